import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendReport } from "@tdrl/backend";

/** What a run ran on, recorded in config.json and the report. */
export interface RunEnvironment {
  backend: string;
  node: string;
  tdrl: string;
  /** The repository's commit (with "+changes" when the tree differs from it), or null outside a git checkout. */
  gitCommit: string | null;
}

/**
 * Where a path typed on the command line is relative to: the user's directory. `npm start` and
 * `npm run <script> -w examples` run the program in apps/examples, and npm keeps the user's directory in
 * `INIT_CWD`.
 *
 * @example
 * userPath("/tmp/x"); // "/tmp/x"
 */
export function userPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** The backend in use, Node's version, tdrl's version and the git commit (when there is one). */
export function runEnvironment(backend: BackendReport): RunEnvironment {
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = createRequire(import.meta.url).resolve("@tdrl/trainers/package.json");
  const tdrl = (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  return {
    backend: `${backend.backend} (tfjs "${backend.tfjsBackend}")`,
    node: process.version,
    tdrl,
    gitCommit: gitCommit(here),
  };
}

function gitCommit(cwd: string): string | null {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim();
  try {
    const commit = git("rev-parse", "--short=12", "HEAD");
    return git("status", "--porcelain", "--untracked-files=no") === "" ? commit : `${commit}+changes`;
  } catch {
    return null;
  }
}
