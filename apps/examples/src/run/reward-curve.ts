import { existsSync } from "node:fs";
import { join } from "node:path";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { writeSynced } from "./fs-sync";
import type { MetricsRow } from "./run-directory";

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
const COLORS = ["#9ecae9", "#e45756", "#54a24b", "#b279a2"];

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
      if (typeof v === "number" && Number.isFinite(v)) values.push({ frames, value: v, series: s.label });
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
      y: { field: "value", type: "quantitative", title: "return" },
      color: { field: "series", type: "nominal", title: null, scale: { domain: labels, range: COLORS.slice(0, labels.length) }, legend: { orient: "top-left" } },
      order: { field: "frames", type: "quantitative" },
    },
  };
}

/** vega-lite -> vega -> SVG, headless (no canvas: vega estimates text widths). */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
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
  { family: "Liberation Sans", dir: "/usr/share/fonts/truetype/liberation", files: ["LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"] },
];

/** The resvg font set-up for this machine: a known sans-serif font if present, else the system fonts. */
export function fontOptions(): NonNullable<ResvgRenderOptions["font"]> {
  for (const c of FONT_CANDIDATES) {
    const files = c.files.map((f) => join(c.dir, f)).filter((f) => existsSync(f));
    if (files.length > 0) return { loadSystemFonts: false, fontFiles: files, defaultFontFamily: c.family, sansSerifFamily: c.family };
  }
  return { loadSystemFonts: true };
}

/** Rasterizes an SVG to PNG bytes on a white background. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const png = new Resvg(svg, { background: "white", fitTo: { mode: "zoom", value: scale }, font: fontOptions() }).render().asPng();
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
export async function writeRewardCurve(dir: string, rows: readonly MetricsRow[], options: RewardCurveOptions = {}): Promise<string> {
  const svg = await specToSvg(rewardCurveSpec(rows, options));
  const png = svgToPng(svg, options.scale ?? 2);
  writeSynced(join(dir, "reward-curve.svg"), svg);
  const file = join(dir, "reward-curve.png");
  writeSynced(file, png);
  return file;
}
