#!/usr/bin/env node
// The `tdrl-actor` command: joins a distributed tdrl run as one actor (REDIS_URL=redis://host:6379 tdrl-actor --run NAME).
// It imports the package by name, so the build keeps one copy of the code (dist/index.*).
import { actorCli } from "@tdrl/distributed";

actorCli(process.argv.slice(2)).then(
  (summary) => {
    console.error(`[tdrl-actor] ${JSON.stringify(summary)}`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`[tdrl-actor] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
