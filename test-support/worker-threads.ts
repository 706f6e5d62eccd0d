import { readdirSync } from "node:fs";

// Helpers for tests of code that runs worker threads (@tdrl/envs' ParallelEnv, @tdrl/collectors' worker
// collectors): counting this process's threads, and waiting for thread exits, which land on the event loop.

/** Threads of this process (Linux); null elsewhere, where tests skip the thread-count checks. */
export function threadCount(): number | null {
  try {
    return readdirSync("/proc/self/task").length;
  } catch {
    return null;
  }
}

/** Polls `check` until it holds (true) or `ms` pass (false): a thread's exit is seen some event-loop turns later. */
export async function settle(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
