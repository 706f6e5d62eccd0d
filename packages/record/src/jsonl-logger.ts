import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { writeSynced } from "@tdrl/trainers";
import type { Logger, MetricsRow } from "./logger";

// JSON has no NaN / Infinity; a diverged loss is worth keeping, so they travel as strings and come back as numbers.
const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };

/**
 * Appends metrics rows to a JSON-lines file, one object a line: the source of truth of a run's metrics.
 * `read` ignores a last line a crash cut short; `truncate` drops the rows after a checkpoint's frames.
 *
 * @example
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const logger = new JsonlLogger(join(mkdtempSync(join(tmpdir(), "log-")), "metrics.jsonl"));
 * logger.log({ frames: 1000, loss: NaN });
 * logger.log({ frames: 2000, loss: 0.5 });
 * logger.truncate(1000);
 * logger.read(); // [{ frames: 1000, loss: NaN }]
 */
export class JsonlLogger implements Logger {
  constructor(readonly file: string) {}

  log(row: MetricsRow): void {
    appendFileSync(this.file, toJsonLine(row));
  }

  /**
   * The rows, in order. A last line cut short by a crash mid-append is ignored (it is the one row that was
   * never fully written); a malformed line elsewhere is an error naming the line.
   */
  read(): MetricsRow[] {
    if (!existsSync(this.file)) return [];
    const lines = readFileSync(this.file, "utf8").split("\n");
    lines.pop(); // "" after the last newline, or a row a crash cut short mid-append: never fully written
    const rows: MetricsRow[] = [];
    lines.forEach((line, i) => {
      if (line === "") return;
      try {
        rows.push(fromJson(JSON.parse(line) as MetricsRow));
      } catch (e) {
        throw new Error(`${this.file}:${i + 1}: corrupt metrics row (${(e as Error).message})`);
      }
    });
    return rows;
  }

  /** Replaces the file's rows (atomically). */
  rewrite(rows: readonly MetricsRow[]): void {
    writeSynced(this.file, rows.map(toJsonLine).join(""));
  }

  /** Keeps the rows with `frameKey <= frames` (and only whole lines); returns them. */
  truncate(frames: number, frameKey = "frames"): MetricsRow[] {
    const rows = this.read().filter((r) => (r[frameKey] as number) <= frames);
    this.rewrite(rows);
    return rows;
  }

  /** Whether the file ends in a half-written line (a crash mid-append). */
  needsRepair(): boolean {
    if (!existsSync(this.file)) return false;
    const text = readFileSync(this.file, "utf8");
    return text !== "" && !text.endsWith("\n");
  }
}

function toJsonLine(row: MetricsRow): string {
  return `${JSON.stringify(row, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))}\n`;
}

function fromJson(row: MetricsRow): MetricsRow {
  if (typeof row !== "object" || row === null || Array.isArray(row)) throw new Error("not a JSON object");
  for (const [k, v] of Object.entries(row)) if (typeof v === "string" && v in NON_FINITE) row[k] = NON_FINITE[v]!;
  return row;
}
