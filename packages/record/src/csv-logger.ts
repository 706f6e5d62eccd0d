import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { writeSynced } from "@tdrl/trainers";
import type { Logger, MetricsRow, MetricsValue } from "./logger";

/**
 * Appends metrics rows to a CSV file for spreadsheets: columns in first-seen order; a row with a new
 * column rewrites the file once with the wider header (from the rows `history` returns, default the
 * file's own). Missing values are empty fields; text is quoted per RFC 4180.
 *
 * @example
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const file = join(mkdtempSync(join(tmpdir(), "log-")), "metrics.csv");
 * const rows: MetricsRow[] = [];
 * const csv = new CsvLogger(file, () => rows);
 * for (const row of [{ frames: 1000, loss: 0.5 }, { frames: 2000, loss: 0.25, eval_return: 42 }]) { rows.push(row); csv.log(row); }
 * readFileSync(file, "utf8"); // "frames,loss,eval_return\n1000,0.5,\n2000,0.25,42\n"
 */
export class CsvLogger implements Logger {
  private columns: string[];

  constructor(
    readonly file: string,
    /** Every row logged so far, the new one included: what a wider header rewrites the file from. */
    private readonly history: () => readonly MetricsRow[],
  ) {
    this.columns = readCsvHeader(file);
  }

  log(row: MetricsRow): void {
    const fresh = Object.keys(row).filter((k) => !this.columns.includes(k));
    if (fresh.length > 0) this.rewrite(this.history());
    else appendFileSync(this.file, csvLine(this.columns.map((c) => row[c])));
  }

  /** Replaces the file with `rows` (atomically), widening the header to their columns. */
  rewrite(rows: readonly MetricsRow[]): void {
    const seen = new Set(this.columns);
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
    this.columns = [...seen];
    const body = rows.map((r) => csvLine(this.columns.map((c) => r[c]))).join("");
    writeSynced(this.file, this.columns.length === 0 ? "" : csvLine(this.columns) + body);
  }
}

function csvLine(values: readonly (MetricsValue | undefined)[]): string {
  return `${values.map(csvField).join(",")}\n`;
}

function csvField(v: MetricsValue | undefined): string {
  if (v === undefined || v === null) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function readCsvHeader(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  const end = text.indexOf("\n");
  if (end <= 0) return [];
  return parseCsvLine(text.slice(0, end));
}

/** Splits one CSV line (RFC 4180 quoting). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`CSV line ${JSON.stringify(line)}: unterminated quote`);
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      const c = line.indexOf(",", i);
      field = line.slice(i, c < 0 ? line.length : c);
      i = c < 0 ? line.length : c;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}
