import { runActor, type ActorSummary } from "./actor-runner";

/**
 * The `tdrl-actor` command: joins a run as one actor. Redis comes from `--redis URL` or `REDIS_URL`
 * (`rediss://` for TLS; user and password in the URL, or `REDIS_USERNAME` / `REDIS_PASSWORD`), the run from
 * `--run NAME` or `TDRL_RUN` (default "tdrl"); `--index I` pins the actor index, `--max-batches N` stops
 * after N batches. Stops on SIGTERM / SIGINT after sending the batch in hand.
 *
 * @example
 * // From a shell on another machine: REDIS_URL=redis://learner-host:6379 npx tdrl-actor --run apex
 * // From code, the same:
 * // await actorCli(["--run", "apex"], { REDIS_URL: "redis://learner-host:6379" });
 */
export async function actorCli(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): Promise<ActorSummary> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!["--redis", "--run", "--index", "--max-batches"].includes(flag) || value === undefined) {
      throw new Error(
        `tdrl-actor: unknown flag or missing value at ${JSON.stringify(flag)}; usage: tdrl-actor [--redis URL] [--run NAME] [--index I] [--max-batches N]`,
      );
    }
    flags.set(flag, value);
  }
  const url = flags.get("--redis") ?? env.REDIS_URL;
  if (url === undefined) throw new Error("tdrl-actor: no Redis given; pass --redis redis://host:6379 or set REDIS_URL");
  const int = (flag: string) => {
    const v = flags.get(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(Number.isSafeInteger(n) && n >= 0))
      throw new Error(`tdrl-actor: ${flag} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const auth = {
    ...(env.REDIS_USERNAME ? { username: env.REDIS_USERNAME } : {}),
    ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}),
  };
  const redis = Object.keys(auth).length === 0 ? url : withAuth(url, auth);
  const abort = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => abort.abort());
  const index = int("--index");
  const maxBatches = int("--max-batches");
  return runActor({
    redis,
    run: flags.get("--run") ?? env.TDRL_RUN ?? "tdrl",
    ...(index === undefined ? {} : { index }),
    ...(maxBatches === undefined ? {} : { maxBatches }),
    signal: abort.signal,
    log: (line) => console.error(`[tdrl-actor] ${line}`),
  });
}

function withAuth(url: string, auth: { username?: string; password?: string }): string {
  const u = new URL(url);
  if (auth.username !== undefined) u.username = encodeURIComponent(auth.username);
  if (auth.password !== undefined) u.password = encodeURIComponent(auth.password);
  return u.href;
}
