/** The process events Emscripten's Node glue (tfjs-backend-wasm's) installs re-throwing handlers on. */
const EVENTS = ["uncaughtException", "unhandledRejection"] as const;

type Listener = (...args: unknown[]) => void;

interface ProcessEvents {
  listeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): unknown;
}

/** The listeners on those events now, to hand back to `removeAddedHandlers` after the wasm module has loaded. */
export interface HandlerSnapshot {
  readonly before: ReadonlyMap<string, readonly Listener[]>;
}

function nodeProcess(): ProcessEvents | null {
  const proc = (globalThis as { process?: Partial<ProcessEvents> }).process;
  return typeof proc?.listeners === "function" && typeof proc.removeListener === "function"
    ? (proc as ProcessEvents)
    : null;
}

/**
 * Records the current `uncaughtException` / `unhandledRejection` listeners (none outside Node).
 *
 * @example
 * ```ts
 * const snapshot = snapshotProcessHandlers();
 * await tf.setBackend("wasm");
 * removeAddedHandlers(snapshot); // 2: the wasm glue's re-throwing handlers
 * ```
 */
export function snapshotProcessHandlers(): HandlerSnapshot {
  const proc = nodeProcess();
  return { before: new Map(EVENTS.map((event) => [event, proc === null ? [] : proc.listeners(event)])) };
}

/**
 * Removes the listeners added to those events since `snapshot`, returning how many. The wasm glue's
 * handlers re-throw every error from inside its minified one-line source, so Node printed tens of KB of
 * that line before the user's own error; without them Node reports the user's error as it would anyway.
 */
export function removeAddedHandlers(snapshot: HandlerSnapshot): number {
  const proc = nodeProcess();
  if (proc === null) return 0;
  let removed = 0;
  for (const event of EVENTS) {
    const before = snapshot.before.get(event) ?? [];
    for (const listener of proc.listeners(event)) {
      if (before.includes(listener)) continue;
      proc.removeListener(event, listener);
      removed++;
    }
  }
  return removed;
}
