#!/usr/bin/env node
// Joins a distributed tdrl run as one actor: REDIS_URL=redis://host:6379 tdrl-actor --run NAME
import { actorCli } from "../dist/index.js";

actorCli(process.argv.slice(2)).then(
  (summary) => {
    console.error(`[tdrl-actor] ${JSON.stringify(summary)}`);
    process.exit(0);
  },
  (error) => {
    console.error(`[tdrl-actor] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
