import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { writeSynced } from "@tdrl/trainers";
import { CsvLogger } from "./csv-logger";
import { JsonlLogger } from "./jsonl-logger";
import type { Logger, MetricsRow } from "./logger";

export type RunConfig = Record<string, unknown>;

export interface CreateRunOptions {
  /** Program name, for the default run name `<program>-<UTC timestamp>`. */
  program: string;
  /** Run name; default `<program>-<YYYYMMDD-HHMMSS>`. A taken default name gets `-2`, `-3`, ...; a taken explicit one is an error. */
  name?: string | null;
  /** Parent directory of runs (default "runs"). */
  root?: string;
  /** Written to config.json. */
  config: RunConfig;
  /** What the run runs on (backend, versions, commit), written to config.json beside the config. */
  environment?: Record<string, unknown>;
  /** Column that counts progress, used to truncate metrics on resume (default "frames"). */
  frameKey?: string;
  /** Clock for the default name. */
  now?: Date;
}

const CONFIG = "config.json";
const JSONL = "metrics.jsonl";
const CSV = "metrics.csv";

/**
 * A run's directory `runs/<name>/`: `config.json` and the metrics as `metrics.jsonl` (the source of truth)
 * and `metrics.csv` (for spreadsheets; columns in first-seen order, a new column rewrites the file once).
 * Other artifacts (plots, GIF, report, checkpoints) go to `file(name)`.
 *
 * @example
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = mkdtempSync(join(tmpdir(), "runs-"));
 * const run = RunDirectory.create({ root, program: "flagship", name: "demo", config: { lr: 1e-3 } });
 * run.appendMetrics({ frames: 1000, train_return: 21 });
 * run.appendMetrics({ frames: 2000, train_return: 35, eval_return: 50 });
 * // Resuming from a checkpoint taken at 1000 frames drops the rows after it.
 * const resumed = RunDirectory.open(run.path);
 * resumed.truncateMetrics(1000);
 * if (resumed.readMetrics().length !== 1 || resumed.config.lr !== 1e-3) throw new Error("unexpected metrics");
 */
export class RunDirectory implements Logger {
  private readonly jsonl: JsonlLogger;
  private readonly csv: CsvLogger;

  private constructor(
    /** Absolute path of the run directory. */
    readonly path: string,
    /** The run's configuration as written to config.json (`update` changes it). */
    public config: RunConfig,
    readonly frameKey: string,
    /** What the run last ran on, as written to config.json (empty if not recorded). */
    public environment: Record<string, unknown> = {},
  ) {
    this.jsonl = new JsonlLogger(join(path, JSONL));
    this.csv = new CsvLogger(join(path, CSV), () => this.jsonl.read());
  }

  /** Creates a new run directory; refuses to reuse an existing explicit name (use `open` to resume). */
  static create(options: CreateRunOptions): RunDirectory {
    const root = resolve(options.root ?? "runs");
    const frameKey = options.frameKey ?? "frames";
    let path: string;
    if (options.name != null) {
      if (!/^[\w.-]+$/.test(options.name) || options.name.startsWith(".")) {
        throw new Error(
          `run name ${JSON.stringify(options.name)}: use letters, digits, "-", "_" and "." only (not starting with ".")`,
        );
      }
      path = join(root, options.name);
      if (existsSync(path) && readdirSync(path).length > 0) {
        throw new Error(
          `${path} already exists and is not empty: resume it with --resume ${path}, or choose another --name`,
        );
      }
    } else {
      const base = `${options.program}-${timestamp(options.now ?? new Date())}`;
      path = join(root, base);
      for (let i = 2; existsSync(path); i++) path = join(root, `${base}-${i}`);
    }
    if (typeof options.config !== "object" || options.config === null)
      throw new Error(`run config: expected an object, got ${String(options.config)}`);
    mkdirSync(path, { recursive: true });
    const run = new RunDirectory(path, options.config, frameKey, options.environment ?? {});
    run.writeConfig();
    return run;
  }

  /** Opens an existing run (for `--resume` and `eval`); reads config.json. */
  static open(path: string): RunDirectory {
    const dir = resolve(path);
    const file = join(dir, CONFIG);
    if (!existsSync(file)) throw new Error(`${dir}: not a run directory (no ${CONFIG})`);
    let parsed: { frameKey?: unknown; config?: unknown };
    try {
      parsed = JSON.parse(readFileSync(file, "utf8")) as typeof parsed;
    } catch (e) {
      throw new Error(`${file}: corrupt JSON (${(e as Error).message})`);
    }
    if (typeof parsed.frameKey !== "string" || typeof parsed.config !== "object" || parsed.config === null) {
      throw new Error(`${file}: expected { frameKey, config }, got keys ${JSON.stringify(Object.keys(parsed))}`);
    }
    const environment = (parsed as { environment?: unknown }).environment;
    const run = new RunDirectory(
      dir,
      parsed.config as RunConfig,
      parsed.frameKey,
      typeof environment === "object" && environment !== null ? (environment as Record<string, unknown>) : {},
    );
    run.repair();
    return run;
  }

  /**
   * After a crash the jsonl may end in a half-written row and the csv may miss the last row (the two appends
   * are not one atomic step): cut the jsonl back to whole rows and rebuild the csv from it.
   */
  private repair(): void {
    if (!existsSync(this.jsonl.file)) return;
    const rows = this.jsonl.read();
    if (this.jsonl.needsRepair()) this.jsonl.rewrite(rows);
    this.csv.rewrite(rows);
  }

  /** Replaces config.json's config and environment (atomically), e.g. a resume extending the run. */
  update(config: RunConfig, environment: Record<string, unknown> = this.environment): void {
    if (typeof config !== "object" || config === null)
      throw new Error(`run config: expected an object, got ${String(config)}`);
    this.config = config;
    this.environment = environment;
    this.writeConfig();
  }

  private writeConfig(): void {
    const environment = Object.keys(this.environment).length > 0 ? { environment: this.environment } : {};
    writeSynced(
      join(this.path, CONFIG),
      `${JSON.stringify({ frameKey: this.frameKey, config: this.config, ...environment }, null, 2)}\n`,
    );
  }

  /** The run's name (its directory's name). */
  get name(): string {
    return basename(this.path);
  }

  /** Path of an artifact inside the run directory. */
  file(name: string): string {
    return join(this.path, name);
  }

  /** Appends a row to metrics.jsonl and metrics.csv. The row must hold a finite number under `frameKey`. */
  appendMetrics(row: MetricsRow): void {
    const frames = row[this.frameKey];
    if (typeof frames !== "number" || !Number.isFinite(frames)) {
      throw new Error(`metrics row: "${this.frameKey}" must be a finite number, got ${JSON.stringify(frames)}`);
    }
    this.jsonl.log(row);
    this.csv.log(row);
  }

  /** `Logger`: the same as `appendMetrics`. */
  log(row: MetricsRow): void {
    this.appendMetrics(row);
  }

  /**
   * The rows of metrics.jsonl, in order. A last line cut short by a crash mid-append is ignored (it is the
   * one row that was never fully written); a malformed line elsewhere is an error naming the line.
   */
  readMetrics(): MetricsRow[] {
    return this.jsonl.read();
  }

  /**
   * Keeps only the rows with `frameKey <= frames` (resume from a checkpoint taken at `frames`), and repairs
   * an interrupted last line; both files are rewritten atomically.
   */
  truncateMetrics(frames: number): void {
    this.csv.rewrite(this.jsonl.truncate(frames, this.frameKey));
  }
}

/** `YYYYMMDD-HHMMSS` in UTC: sortable and free of characters shells or Windows dislike. */
function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}
