/** What a training loop reports; fields it does not have yet are left out or null. */
export interface ProgressFields {
  frames: number;
  epsilon?: number | null;
  loss?: number | null;
  /** Mean return of the last evaluation. */
  lastEval?: number | null;
}

/** Where progress goes: process.stderr or anything alike. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  totalFrames: number;
  /** Default process.stderr, so stdout stays clean for results. */
  stream?: ProgressStream;
  /** Rewrite one line in place (default: the stream is a TTY and $CI is unset). */
  tty?: boolean;
  /** Without a TTY (logs, CI): one line every `intervalMs` (default 10 s). */
  intervalMs?: number;
  /** With a TTY: redraw at most this often (default 100 ms). */
  redrawMs?: number;
  /** Frames/s is measured over this trailing window (default 20 s), so it follows the current speed. */
  windowMs?: number;
  /** Clock in ms (default performance.now). */
  now?: () => number;
}

/**
 * A one-line progress display for a training loop: frames, frames/s, epsilon, loss, last evaluation and
 * time left. On a terminal it rewrites its line (at most every `redrawMs`); in logs and CI, where `\r` makes
 * a mess, it prints a line every `intervalMs`. Call `update` as often as you like: it is cheap when it does
 * not draw.
 *
 * @example
 * import { Progress } from "./progress";
 *
 * let out = "";
 * let t = 0;
 * const progress = new Progress({ totalFrames: 10_000, stream: { write: (s: string) => (out += s) }, tty: false, intervalMs: 1000, now: () => t });
 * for (let frames = 500; frames <= 10_000; frames += 500) {
 *   t += 250;
 *   progress.update({ frames, epsilon: 1 - frames / 10_000, loss: 0.05 });
 * }
 * progress.done({ frames: 10_000, lastEval: 200 });
 * if (!out.includes("frames 10,000/10,000 (100%)") || !out.includes("2,000 f/s")) throw new Error(out);
 */
export class Progress {
  private readonly totalFrames: number;
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly redrawMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly samples: { t: number; frames: number }[] = [];
  private lastDraw = -Infinity;
  private lastLine = "";
  private last: ProgressFields | null = null;

  constructor(options: ProgressOptions) {
    if (!Number.isFinite(options.totalFrames) || options.totalFrames <= 0)
      throw new Error(`Progress: totalFrames must be a positive number, got ${options.totalFrames}`);
    this.totalFrames = options.totalFrames;
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? (this.stream.isTTY === true && !process.env.CI);
    this.intervalMs = options.intervalMs ?? 10_000;
    this.redrawMs = options.redrawMs ?? 100;
    this.windowMs = options.windowMs ?? 20_000;
    this.now = options.now ?? (() => performance.now());
  }

  update(fields: ProgressFields): void {
    const t = this.now();
    this.record(t, fields);
    if (t - this.lastDraw < (this.tty ? this.redrawMs : this.intervalMs)) return;
    this.draw(t);
  }

  /** Prints a message on its own line without tearing the progress line. */
  log(message: string): void {
    if (this.tty && this.lastLine !== "") this.stream.write(`\r\x1b[K${message}\n${this.lastLine}`);
    else this.stream.write(`${message}\n`);
  }

  /** Draws the final state and ends the line. */
  done(fields?: ProgressFields): void {
    const t = this.now();
    if (fields !== undefined) this.record(t, fields);
    if (this.last === null) return;
    const line = this.format(this.last, t);
    this.stream.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    this.lastLine = "";
  }

  /** The line for `fields` at time `t` (exposed for tests and for programs that log it elsewhere). */
  format(fields: ProgressFields, t = this.now()): string {
    const parts = [
      `frames ${fields.frames.toLocaleString("en-US")}/${this.totalFrames.toLocaleString("en-US")} (${percent(fields.frames / this.totalFrames)})`,
    ];
    const fps = this.rate(t);
    parts.push(fps === null ? "-- f/s" : `${Math.round(fps).toLocaleString("en-US")} f/s`);
    if (fields.epsilon != null) parts.push(`eps ${fields.epsilon.toFixed(3)}`);
    if (fields.loss != null) parts.push(`loss ${fields.loss.toPrecision(3)}`);
    if (fields.lastEval != null) parts.push(`eval ${fields.lastEval.toFixed(1)}`);
    const left = Math.max(0, this.totalFrames - fields.frames);
    parts.push(left === 0 ? "done" : fps === null || fps <= 0 ? "ETA --" : `ETA ${duration(left / fps)}`);
    return parts.join(" | ");
  }

  private record(t: number, fields: ProgressFields): void {
    // Carry fields forward: a loop may report the loss only on training steps, the eval only after evaluating.
    this.last = { ...this.last, ...definedOnly(fields) };
    this.samples.push({ t, frames: fields.frames });
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.windowMs) this.samples.shift();
  }

  private rate(t: number): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.t - first.t <= 0 || t < last.t) return null;
    return (last.frames - first.frames) / ((last.t - first.t) / 1000);
  }

  private draw(t: number): void {
    this.lastDraw = t;
    let line = this.format(this.last!, t);
    if (this.tty) {
      const width = this.stream.columns;
      if (width !== undefined && width > 1 && line.length >= width) line = line.slice(0, width - 1);
      this.stream.write(`\r\x1b[K${line}`);
      this.lastLine = line;
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}

function definedOnly(fields: ProgressFields): ProgressFields {
  const out: ProgressFields = { frames: fields.frames };
  if (fields.epsilon !== undefined) out.epsilon = fields.epsilon;
  if (fields.loss !== undefined) out.loss = fields.loss;
  if (fields.lastEval !== undefined) out.lastEval = fields.lastEval;
  return out;
}

function percent(x: number): string {
  const p = 100 * Math.min(1, Math.max(0, x));
  return p === 100 || p === 0 ? `${p}%` : `${p.toFixed(1)}%`;
}

/** 75 -> "1m 15s", 3725 -> "1h 02m". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
