import type { Logger, MetricsRow } from "./logger";
import { duration } from "./progress";

/** What a progress line carries over from earlier rows: the run's length and the last evaluation. */
export interface ProgressContext {
  totalFrames: number;
  lastEval: number | null;
}

/**
 * One progress line for a metrics row (`metricsRow` columns): frames, episodes, return, loss, epsilon,
 * frames/s, the last evaluation (carried until the next one when a context is given) and the time left.
 */
export function formatProgressLine(row: MetricsRow, context?: ProgressContext): string {
  const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(d) : "-");
  const evalNow = typeof row.eval_return === "number" ? row.eval_return : null;
  const lastEval = evalNow ?? context?.lastEval ?? null;
  const ev = lastEval === null ? "" : ` | eval ${lastEval.toFixed(1)}${evalNow === null ? " (last)" : ""}`;
  const frames = row.frames as number;
  const fps = typeof row.frames_per_second === "number" ? row.frames_per_second : 0;
  const left = context === undefined ? null : Math.max(0, context.totalFrames - frames);
  const eta = left === null ? "" : left === 0 ? " | done" : fps > 0 ? ` | ${duration(left / fps)} left` : "";
  return `frames ${frames} | episodes ${String(row.episodes ?? "-")} | return ${num(row.train_return, 1)} | loss ${num(row.loss, 4)} | eps ${num(row.eps, 3)} | ${fps.toFixed(0)} frames/s${ev}${eta}`;
}

/**
 * Prints one progress line per row (`formatProgressLine`), remembering the last evaluation and, given
 * `totalFrames`, the time left.
 *
 * @example
 * const lines: string[] = [];
 * const console_ = new ConsoleLogger({ totalFrames: 2000, write: (line) => lines.push(line) });
 * console_.log({ frames: 1000, episodes: 3, train_return: 20, loss: 0.5, eps: 0.5, frames_per_second: 100, eval_return: 42 });
 * console_.log({ frames: 1500, episodes: 5, train_return: 25, loss: 0.4, eps: 0.4, frames_per_second: 100 });
 * lines[1]; // "frames 1500 | episodes 5 | return 25.0 | loss 0.4000 | eps 0.400 | 100 frames/s | eval 42.0 (last) | 5s left"
 */
export class ConsoleLogger implements Logger {
  private readonly context: ProgressContext | undefined;
  private readonly write: (line: string) => void;

  constructor(options: { totalFrames?: number; write?: (line: string) => void } = {}) {
    this.context = options.totalFrames === undefined ? undefined : { totalFrames: options.totalFrames, lastEval: null };
    this.write = options.write ?? ((line) => console.log(line));
  }

  log(row: MetricsRow): void {
    this.write(formatProgressLine(row, this.context));
    if (this.context !== undefined && typeof row.eval_return === "number") this.context.lastEval = row.eval_return;
  }
}
