import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import type { MetricsRow } from "./logger";
import { fontOptions, rewardCurveSpec, specToSvg, svgToPng, writeRewardCurve } from "./metric-plot";

const dir = mkdtempSync(join(tmpdir(), "reward-curve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows: MetricsRow[] = [
  { frames: 0, train_return: 10 },
  { frames: 1000, train_return: 20, eval_return: 9, loss: 1 },
  { frames: 2000, train_return: Number.NaN },
  { frames: 3000, train_return: 60, eval_return: 100 },
  { frames: 4000, train_return: 120, eval_return: 200 },
];

/** Pixels within `tol` of an RGB colour, as [x, y] pairs. */
function pixelsNear(png: PNG, hex: string, tol = 24): [number, number][] {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  const out: [number, number][] = [];
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = 4 * (y * png.width + x);
      if (Math.abs(png.data[i]! - r) + Math.abs(png.data[i + 1]! - g) + Math.abs(png.data[i + 2]! - b) <= tol)
        out.push([x, y]);
    }
  }
  return out;
}

describe("reward curve", () => {
  it("builds one series per column, skipping rows that lack it or hold NaN", () => {
    const spec = rewardCurveSpec(rows) as { data: { values: unknown[] } };
    expect(spec.data.values).toEqual([
      { frames: 0, value: 10, series: "train" },
      { frames: 1000, value: 20, series: "train" },
      { frames: 1000, value: 9, series: "eval (greedy)" },
      { frames: 3000, value: 60, series: "train" },
      { frames: 3000, value: 100, series: "eval (greedy)" },
      { frames: 4000, value: 120, series: "train" },
      { frames: 4000, value: 200, series: "eval (greedy)" },
    ]);
  });

  it("gives each of up to ten series its own colour", () => {
    const series = Array.from({ length: 10 }, (_, i) => ({ column: `s${i}`, label: `run ${i}` }));
    const spec = rewardCurveSpec([{ frames: 0 }], { series }) as {
      encoding: { color: { scale: { domain: string[]; range: string[] } } };
    };
    const { domain, range } = spec.encoding.color.scale;
    expect(domain).toEqual(series.map((s) => s.label));
    expect(new Set(range).size).toBe(10);
  });

  it("renders text on this machine (resvg has a sans-serif font)", () => {
    const font = fontOptions();
    if (process.env.CI) expect(font.fontFiles?.length ?? 0).toBeGreaterThan(0);
    const blank = PNG.sync.read(
      Buffer.from(svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"></svg>', 1)),
    );
    const text = PNG.sync.read(
      Buffer.from(
        svgToPng(
          '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="5" y="28" font-family="sans-serif" font-size="24">Return</text></svg>',
          1,
        ),
      ),
    );
    expect(pixelsNear(blank, "#000000", 200)).toHaveLength(0);
    // "Return" in 24 px is a few hundred dark pixels; no font would leave the image white.
    expect(pixelsNear(text, "#000000", 200).length).toBeGreaterThan(150);
  });

  it("writes an SVG and a PNG whose lines go where the data says", async () => {
    const file = await writeRewardCurve(dir, rows, { title: "CartPole" });
    const svg = readFileSync(join(dir, "reward-curve.svg"), "utf8");
    expect(svg).toContain(">CartPole</text>");
    expect(svg).toContain(">frames</text>");
    expect(svg).toContain(">eval (greedy)</text>");
    const png = PNG.sync.read(readFileSync(file));
    const svgWidth = Number(/width="(\d+)"/.exec(svg)![1]);
    expect(png.width).toBe(2 * svgWidth);
    const evalPixels = pixelsNear(png, "#e45756");
    const trainPixels = pixelsNear(png, "#9ecae9");
    expect(evalPixels.length).toBeGreaterThan(200);
    expect(trainPixels.length).toBeGreaterThan(200);
    // Eval return rises from 9 to 200 left to right: its lowest pixel is left of its highest, a plot height apart.
    const lowest = evalPixels.reduce((a, p) => (p[1] > a[1] ? p : a));
    const highest = evalPixels.reduce((a, p) => (p[1] < a[1] ? p : a));
    expect(lowest[0]).toBeLessThan(highest[0]);
    expect(lowest[1] - highest[1]).toBeGreaterThan(0.7 * png.height);
  });

  it("draws an empty plot (legend, no lines) before the first row", async () => {
    const png = PNG.sync.read(Buffer.from(svgToPng(await specToSvg(rewardCurveSpec([])))));
    // Only the legend's two symbols are coloured: each fits a small box.
    for (const color of ["#e45756", "#9ecae9"]) {
      const px = pixelsNear(png, color);
      const span = (i: 0 | 1) => Math.max(...px.map((p) => p[i])) - Math.min(...px.map((p) => p[i]));
      expect(px.length).toBeGreaterThan(0);
      expect(Math.max(span(0), span(1))).toBeLessThan(30);
    }
  });
});
