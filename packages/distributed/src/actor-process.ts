import { spawn, type ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";
import { resolveEnvModule } from "@tdrl/envs/internal";
import { runActor, type ActorOptions } from "./actor-runner";

/** The settings a spawned actor process gets (in its `TDRL_ACTOR` environment variable, as JSON). */
export interface ActorProcessOptions
  extends Pick<ActorOptions, "index" | "maxBatches" | "configTimeoutMs" | "weightsPollMs"> {
  /** A URL string or plain ioredis options (they cross to the process as JSON). */
  redis: ActorOptions["redis"];
  run: string;
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
  /** Where the process's output goes. Default "inherit". */
  stdio?: "inherit" | "ignore" | "pipe";
}

/** A started actor process. */
export interface ActorProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM: the actor sends the batch it is collecting, then exits). */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * This module's own URL: the source under vitest / tsx, `dist/index.js` or `dist/index.cjs` once built. A
 * spawned actor imports it, so it runs this very code.
 */
function selfUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (typeof url === "string" && url.length > 0) return url;
  if (typeof __filename === "string") return pathToFileURL(__filename).href;
  throw new Error("@tdrl/distributed: cannot tell where this module is, so an actor process cannot load it");
}

// Registers tsx when the package runs from its TypeScript sources, then runs `actorProcessMain`.
const ACTOR_PROCESS_SOURCE = `
const boot = JSON.parse(process.env.TDRL_ACTOR_BOOT);
(async () => {
  if (boot.tsx !== null) {
    const { register } = await import(boot.tsx.api);
    register(boot.tsx.tsconfig === null ? {} : { tsconfig: boot.tsx.tsconfig });
    globalThis[Symbol.for("tdrl.distributed.tsxRegistered")] = true;
  }
  const mod = await import(boot.self);
  await mod.actorProcessMain();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/**
 * Starts an actor in a new Node process on this machine (what `DistributedCollector.startActors` uses).
 * It runs `runActor` with `options` until the learner stops the run or it gets SIGTERM.
 */
export function spawnActorProcess(options: ActorProcessOptions): ActorProcess {
  const self = resolveEnvModule({ module: selfUrl(), exportName: "actorProcessMain" }, "spawnActorProcess");
  const { env, stdio, ...actor } = options;
  const child = spawn(process.execPath, ["--input-type=commonjs", "-e", ACTOR_PROCESS_SOURCE], {
    env: {
      ...process.env,
      ...env,
      TDRL_ACTOR_BOOT: JSON.stringify({ self: self.url, tsx: self.tsx }),
      TDRL_ACTOR: JSON.stringify(actor),
      TDRL_ACTOR_PARENT: String(process.pid),
    },
    stdio: stdio ?? "inherit",
  });
  if (child.pid === undefined) throw new Error("spawnActorProcess: the actor process did not start");
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, pid: child.pid, exited, kill: (signal = "SIGTERM") => void child.kill(signal) };
}

/**
 * The body of a spawned actor process (internal; exported so the process can import it): reads its options
 * from `TDRL_ACTOR`, runs the actor, and stops cleanly on SIGTERM / SIGINT.
 */
export async function actorProcessMain(): Promise<void> {
  const options = JSON.parse(process.env.TDRL_ACTOR ?? "null") as Omit<ActorProcessOptions, "env" | "stdio"> | null;
  if (options === null) throw new Error("actorProcessMain: TDRL_ACTOR is not set");
  const abort = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => abort.abort());
  // Started by a learner on this machine: end with it, even when it dies without a word (SIGKILL, crash),
  // rather than retry a vanished Redis forever.
  const parent = Number(process.env.TDRL_ACTOR_PARENT);
  if (Number.isSafeInteger(parent) && parent > 0) {
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        console.error(`[actor] the learner process ${parent} is gone; exiting`);
        process.exit(0);
      }
    }, 1000).unref();
  }
  const summary = await runActor({ ...options, signal: abort.signal, log: (line) => console.error(`[actor] ${line}`) });
  console.error(`[actor] ${JSON.stringify(summary)}`);
  process.exit(0);
}
