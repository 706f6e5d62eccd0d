import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeSynced } from "@tdrl/trainers";
import { TRAINING_PLOTS } from "./metric-plot";

export interface ReportOptions {
  title: string;
  /** The run's configuration; nested objects become dotted keys in the table. */
  config: Record<string, unknown>;
  /** What the run ran on (backend, Node, tdrl version, git commit), shown as a table. */
  environment?: Record<string, unknown>;
  /** Headline figures (frames, wall time, best eval, ...), in the order given. */
  summary: Record<string, string | number>;
  /** Reward-curve image, relative to the report (default "reward-curve.png"); null: none yet. */
  curve?: string | null;
  /** More plots (loss, epsilon, frames/s, ...): image and caption, relative to the report. Default: those of `TRAINING_PLOTS` that exist. */
  plots?: readonly { src: string; caption: string }[];
  /** Episode GIF, relative to the report (default "episode.gif"); null: none. */
  gif?: string | null;
  /** Caption under the GIF (default "A greedy episode of the trained agent"). */
  gifCaption?: string;
  /** Other files of the run to link (default: config.json, metrics.csv, metrics.jsonl). */
  links?: readonly string[];
  /** When the report was written (default now). */
  generated?: Date;
}

/**
 * The HTML of a run's `report.html`: summary figures, the reward curve, the episode GIF and the config
 * table, with relative links so the run directory can be moved, zipped or served as it is.
 */
export function renderReportHtml(options: ReportOptions): string {
  const curve = options.curve === undefined ? "reward-curve.png" : options.curve;
  const gif = options.gif === undefined ? "episode.gif" : options.gif;
  const links = options.links ?? ["config.json", "metrics.csv", "metrics.jsonl"];
  const summary = Object.entries(options.summary)
    .map(
      ([k, v]) =>
        `<div class="figure"><div class="value">${escapeHtml(formatValue(v))}</div><div class="label">${escapeHtml(k)}</div></div>`,
    )
    .join("\n      ");
  const config = flatten(options.config)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("\n        ");
  const figures = [
    curve === null
      ? ""
      : `<figure><img id="reward-curve" src="${escapeAttr(curve)}" alt="Return vs frames (train and greedy eval)" width="720"><figcaption>Return vs frames</figcaption></figure>`,
    gif === null
      ? ""
      : `<figure><img id="episode" src="${escapeAttr(gif)}" alt="${escapeAttr(options.gifCaption ?? "A greedy episode of the trained agent")}"><figcaption>${escapeHtml(options.gifCaption ?? "A greedy episode of the trained agent")}</figcaption></figure>`,
  ].filter((f) => f !== "");
  const plots = (options.plots ?? [])
    .map(
      (p) =>
        `<figure><img class="plot" src="${escapeAttr(p.src)}" alt="${escapeAttr(p.caption)}" width="480"><figcaption>${escapeHtml(p.caption)}</figcaption></figure>`,
    )
    .join("\n    ");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(options.title)}</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
    h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
    .generated { color: #777; font-size: 0.85rem; margin-top: 0; }
    .summary { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1.5rem 0; }
    .figure { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; min-width: 8rem; }
    .value { font-size: 1.4rem; font-weight: 600; }
    .label { color: #666; font-size: 0.85rem; }
    .media { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
    figure { margin: 0; }
    figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
    figcaption { color: #666; font-size: 0.85rem; }
    table { border-collapse: collapse; margin-top: 0.5rem; }
    th, td { text-align: left; padding: 0.2rem 1rem 0.2rem 0; border-bottom: 1px solid #eee; font-size: 0.9rem; }
    th { font-weight: 500; color: #444; font-family: ui-monospace, monospace; }
  </style>
</head>
<body>
  <h1>${escapeHtml(options.title)}</h1>
  <p class="generated">Generated ${escapeHtml((options.generated ?? new Date()).toISOString().replace("T", " ").slice(0, 19))} UTC</p>
  <section class="summary">
      ${summary}
  </section>
  <section class="media">
    ${figures.join("\n    ")}
  </section>
  ${plots === "" ? "" : `<h2>Training</h2>\n  <section class="media">\n    ${plots}\n  </section>`}
  ${
    options.environment === undefined
      ? ""
      : `<h2>Environment</h2>\n  <table id="environment">\n        ${flatten(options.environment)
          .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
          .join("\n        ")}\n  </table>`
  }
  <h2>Configuration</h2>
  <table>
        ${config}
  </table>
  <p>Files: ${links.map((l) => `<a href="${escapeAttr(l)}">${escapeHtml(l)}</a>`).join(" · ")}</p>
</body>
</html>
`;
}

/**
 * Writes `report.html` into the run directory `dir` (atomically: a reader never sees half a report) and
 * returns its path. Unless given, the curve, the GIF and the links are the run's files that exist.
 *
 * @example
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { writeReport } from "./report-html";
 *
 * const dir = mkdtempSync(join(tmpdir(), "report-"));
 * const file = writeReport(dir, { title: "flagship", config: { lr: 1e-3, env: { pixels: true } }, summary: { frames: 50_000, "best eval": 200 } });
 * if (!readFileSync(file, "utf8").includes("<th>env.pixels</th><td>true</td>")) throw new Error("no config table");
 */
export function writeReport(dir: string, options: ReportOptions): string {
  const file = join(dir, "report.html");
  // Defaults name only files that exist, so an early report (no GIF yet) shows no broken image.
  const present = (name: string) => (existsSync(join(dir, name)) ? name : null);
  writeSynced(
    file,
    renderReportHtml({
      ...options,
      curve: options.curve === undefined ? present("reward-curve.png") : options.curve,
      plots:
        options.plots ??
        TRAINING_PLOTS.filter((p) => present(`${p.name}.png`) !== null).map((p) => ({
          src: `${p.name}.png`,
          caption: `${p.title}: ${p.yTitle} vs frames`,
        })),
      gif: options.gif === undefined ? present("episode.gif") : options.gif,
      links: options.links ?? ["config.json", "metrics.csv", "metrics.jsonl"].filter((f) => present(f) !== null),
    }),
  );
  return file;
}

function formatValue(v: string | number): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Number.isFinite(v) ? v.toPrecision(4).replace(/\.?0+$/, "") : String(v);
}

/** Nested config -> [dotted key, JSON-ish text] rows, in insertion order. */
function flatten(value: Record<string, unknown>, prefix = ""): [string, string][] {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0)
      rows.push(...flatten(v as Record<string, unknown>, key));
    else rows.push([key, typeof v === "string" ? v : (JSON.stringify(v) ?? String(v))]);
  }
  return rows;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttr(s: string): string {
  return escapeHtml(s).replace(/"/g, "&quot;");
}
