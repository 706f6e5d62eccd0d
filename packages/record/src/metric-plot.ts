import { existsSync } from "node:fs";
import { join } from "node:path";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import type { TopLevelSpec } from "vega-lite";
import { writeSynced } from "@tdrl/trainers";
import type { MetricsRow } from "./logger";

/** One line of the plot: a metrics column and its legend label. */
export interface CurveSeries {
  column: string;
  label: string;
}

export interface RewardCurveOptions {
  title?: string;
  /** x axis column (default "frames"). */
  frameKey?: string;
  /** Default: train_return as "train" and eval_return as "eval". */
  series?: readonly CurveSeries[];
  /** y axis title (default "return"). */
  yTitle?: string;
  /** Log-scale y axis (for losses spanning decades). */
  logY?: boolean;
  /** Plot area size in CSS pixels (default 640 x 320). */
  width?: number;
  height?: number;
  /** PNG pixels per CSS pixel (default 2, sharp on high-density screens). */
  scale?: number;
}

const DEFAULT_SERIES: readonly CurveSeries[] = [
  { column: "train_return", label: "train" },
  { column: "eval_return", label: "eval (greedy)" },
];
// Train returns are one point per episode and noisy; eval returns are few and matter most: draw them on top.
// The first four are the plots' colours since 12-01; the rest from Tableau 10, so up to ten series differ.
const COLORS = [
  "#9ecae9",
  "#e45756",
  "#54a24b",
  "#b279a2",
  "#f58518",
  "#4c78a8",
  "#eeca3b",
  "#72b7b2",
  "#ff9da6",
  "#9d755d",
];

/** The vega-lite spec of return vs frames, one coloured line per series; rows lacking a column are skipped for it. */
export function rewardCurveSpec(rows: readonly MetricsRow[], options: RewardCurveOptions = {}): TopLevelSpec {
  const frameKey = options.frameKey ?? "frames";
  const series = options.series ?? DEFAULT_SERIES;
  const values: { frames: number; value: number; series: string }[] = [];
  for (const row of rows) {
    const frames = row[frameKey];
    if (typeof frames !== "number") continue;
    for (const s of series) {
      const v = row[s.column];
      if (typeof v === "number" && Number.isFinite(v) && !(options.logY === true && v <= 0))
        values.push({ frames, value: v, series: s.label });
    }
  }
  const labels = series.map((s) => s.label);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title ?? "Return",
    width: options.width ?? 640,
    height: options.height ?? 320,
    background: "white",
    data: { values },
    mark: { type: "line", point: { size: 18 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: "frames", type: "quantitative", title: frameKey },
      y: {
        field: "value",
        type: "quantitative",
        title: options.yTitle ?? "return",
        ...(options.logY === true ? { scale: { type: "log" as const } } : {}),
      },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        scale: { domain: labels, range: COLORS.slice(0, labels.length) },
        legend: { orient: "top-left" },
      },
      order: { field: "frames", type: "quantitative" },
    },
  };
}

/** vega-lite -> vega -> SVG, headless (no canvas: vega estimates text widths). */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: vega is ESM-only with top-level await, which a CommonJS require of this package cannot load.
  const [vega, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// Vega asks for "sans-serif". resvg has no fontconfig, so name a font file that exists; these are the ones
// Debian ships (fonts-dejavu-core, which .ci/run installs, and fonts-liberation, which chromium pulls in).
const FONT_CANDIDATES = [
  { family: "DejaVu Sans", dir: "/usr/share/fonts/truetype/dejavu", files: ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"] },
  {
    family: "Liberation Sans",
    dir: "/usr/share/fonts/truetype/liberation",
    files: ["LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"],
  },
];

/** The resvg font set-up for this machine: a known sans-serif font if present, else the system fonts. */
export function fontOptions(): NonNullable<ResvgRenderOptions["font"]> {
  for (const c of FONT_CANDIDATES) {
    const files = c.files.map((f) => join(c.dir, f)).filter((f) => existsSync(f));
    if (files.length > 0)
      return { loadSystemFonts: false, fontFiles: files, defaultFontFamily: c.family, sansSerifFamily: c.family };
  }
  return { loadSystemFonts: true };
}

/** Rasterizes an SVG to PNG bytes on a white background. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const png = new Resvg(svg, { background: "white", fitTo: { mode: "zoom", value: scale }, font: fontOptions() })
    .render()
    .asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * Writes `reward-curve.svg` and `reward-curve.png` into `dir` from the metrics rows; returns the PNG's path.
 *
 * @example
 * import { mkdtempSync, statSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { writeRewardCurve } from "./reward-curve";
 *
 * const dir = mkdtempSync(join(tmpdir(), "curve-"));
 * const rows = [
 *   { frames: 1000, train_return: 18 },
 *   { frames: 2000, train_return: 40, eval_return: 55 },
 *   { frames: 3000, train_return: 90, eval_return: 200 },
 * ];
 * const png = await writeRewardCurve(dir, rows, { title: "CartPole" });
 * if (statSync(png).size < 1000) throw new Error("the plot is empty");
 */
export async function writeRewardCurve(
  dir: string,
  rows: readonly MetricsRow[],
  options: RewardCurveOptions = {},
): Promise<string> {
  return writeMetricPlot(dir, "reward-curve", rows, options);
}

/**
 * Writes `<name>.svg` and `<name>.png` into `dir`: the given metrics columns against frames (any
 * `series`, e.g. loss, epsilon or frames/s); returns the PNG's path.
 *
 * @example
 * import { mkdtempSync, statSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "plot-"));
 * const rows = [{ frames: 1000, loss: 0.5 }, { frames: 2000, loss: 0.2 }, { frames: 3000, loss: 0.05 }];
 * const png = await writeMetricPlot(dir, "loss", rows, { title: "TD loss", series: [{ column: "loss", label: "loss" }], yTitle: "loss", logY: true });
 * statSync(png).size > 1000; // true
 */
export async function writeMetricPlot(
  dir: string,
  name: string,
  rows: readonly MetricsRow[],
  options: RewardCurveOptions = {},
): Promise<string> {
  if (!/^[\w.-]+$/.test(name))
    throw new Error(`writeMetricPlot: name ${JSON.stringify(name)}: use letters, digits, "-", "_" and "."`);
  const svg = await specToSvg(rewardCurveSpec(rows, options));
  const png = svgToPng(svg, options.scale ?? 2);
  writeSynced(join(dir, `${name}.svg`), svg);
  const file = join(dir, `${name}.png`);
  writeSynced(file, png);
  return file;
}

/** The plots a run report shows besides the reward curve: file name, title, columns. */
export const TRAINING_PLOTS: readonly {
  name: string;
  title: string;
  series: readonly CurveSeries[];
  yTitle: string;
  logY?: boolean;
}[] = [
  {
    name: "loss",
    title: "Loss",
    series: [{ column: "loss", label: "loss" }],
    yTitle: "loss (mean per row)",
    logY: true,
  },
  { name: "epsilon", title: "Exploration", series: [{ column: "eps", label: "epsilon" }], yTitle: "epsilon" },
  {
    name: "frames-per-second",
    title: "Speed",
    series: [{ column: "frames_per_second", label: "frames/s" }],
    yTitle: "frames/s",
  },
];

/**
 * Writes the reward curve and the `TRAINING_PLOTS` (loss, epsilon, frames/s) of a run's metrics into
 * `dir`; returns the PNG files written, relative to `dir`, reward curve first. A plot with no data is skipped.
 */
export async function writeTrainingPlots(dir: string, rows: readonly MetricsRow[], title: string): Promise<string[]> {
  await writeRewardCurve(dir, rows, { title: `${title}: return vs frames` });
  const written = ["reward-curve.png"];
  for (const p of TRAINING_PLOTS) {
    if (
      !rows.some((r) =>
        p.series.some(
          (s) =>
            typeof r[s.column] === "number" &&
            Number.isFinite(r[s.column]) &&
            !(p.logY === true && (r[s.column] as number) <= 0),
        ),
      )
    )
      continue;
    await writeMetricPlot(dir, p.name, rows, {
      title: `${title}: ${p.title.toLowerCase()}`,
      series: p.series,
      yTitle: p.yTitle,
      ...(p.logY === true ? { logY: true } : {}),
    });
    written.push(`${p.name}.png`);
  }
  return written;
}
