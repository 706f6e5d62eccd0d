import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CartPoleEnv } from "@tdrl/envs";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { EpisodeGif, readGifInfo } from "./video-recorder";
import { writeSynced } from "@tdrl/trainers";
import { CHROMIUM, CHROMIUM_ARGS } from "../../../test-support/chromium";
import { renderReportHtml, writeReport } from "./report-html";
import { writeRewardCurve, writeTrainingPlots } from "./metric-plot";

const dir = mkdtempSync(join(tmpdir(), "report-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = {
  title: "flagship <recurrent DQN>",
  config: { lr: 3e-4, env: { name: "CartPole-v1", pixels: true, size: [84, 84] }, note: 'say "hi" & <bye>' },
  summary: { frames: 50_000, "best eval return": 187.25, "wall time": "12m 04s" },
  generated: new Date("2026-12-01T21:00:00Z"),
};

describe("renderReportHtml", () => {
  it("holds the summary, the config table and relative links, escaped", () => {
    const html = renderReportHtml(options);
    expect(html).toContain("<title>flagship &lt;recurrent DQN&gt;</title>");
    expect(html).toContain('<div class="value">50,000</div><div class="label">frames</div>');
    expect(html).toContain('<div class="value">187.3</div><div class="label">best eval return</div>');
    expect(html).toContain("<tr><th>env.name</th><td>CartPole-v1</td></tr>");
    expect(html).toContain("<tr><th>env.size</th><td>[84,84]</td></tr>");
    expect(html).toContain('<tr><th>note</th><td>say "hi" &amp; &lt;bye&gt;</td></tr>');
    expect(html).toContain('<img id="reward-curve" src="reward-curve.png"');
    expect(html).toContain('<img id="episode" src="episode.gif"');
    expect(html).toContain('<a href="metrics.csv">metrics.csv</a>');
    expect(html).toContain("Generated 2026-12-01 21:00:00 UTC");
    expect(html).not.toMatch(/(src|href)="(\/|file:)/);
    expect(renderReportHtml({ ...options, gif: null, curve: null })).not.toContain("<img");
  });

  it("records what the run ran on: backend, Node, tdrl version and git commit", () => {
    const environment = { backend: 'wasm (tfjs "wasm")', node: "v20.20.2", tdrl: "0.1.0", gitCommit: "04ec0c3a1b2c" };
    const html = renderReportHtml({ ...options, environment });
    expect(html).toContain("<h2>Environment</h2>");
    expect(html).toContain('<tr><th>backend</th><td>wasm (tfjs "wasm")</td></tr>');
    for (const row of [
      "<th>node</th><td>v20.20.2</td>",
      "<th>tdrl</th><td>0.1.0</td>",
      "<th>gitCommit</th><td>04ec0c3a1b2c</td>",
    ])
      expect(html).toContain(row);
    expect(renderReportHtml(options)).not.toContain('id="environment"');
  });

  it("writeReport shows only the run's files that exist", () => {
    const early = mkdtempSync(join(tmpdir(), "report-early-"));
    try {
      writeSynced(join(early, "metrics.csv"), "frames\n1\n");
      const html = readFileSync(writeReport(early, options), "utf8");
      expect(html).not.toContain("<img");
      expect(html).toContain('Files: <a href="metrics.csv">metrics.csv</a></p>');
    } finally {
      rmSync(early, { recursive: true, force: true });
    }
  });

  it("shows the loss, epsilon and frames/s plots of a run beside its return curve", async () => {
    const run = mkdtempSync(join(tmpdir(), "report-plots-"));
    try {
      const rows = [1000, 2000, 3000].map((frames, i) => ({
        frames,
        train_return: 20 + 10 * i,
        loss: 0.5 / (i + 1),
        eps: 1 - 0.3 * i,
        frames_per_second: 200 + i,
        ...(i === 2 ? { eval_return: 55 } : {}),
      }));
      expect(await writeTrainingPlots(run, rows, "toy")).toEqual([
        "reward-curve.png",
        "loss.png",
        "epsilon.png",
        "frames-per-second.png",
      ]);
      const html = readFileSync(writeReport(run, options), "utf8");
      expect(html).toContain('<img id="reward-curve" src="reward-curve.png"');
      for (const [src, caption] of [
        ["loss.png", "Loss: loss (mean per row) vs frames"],
        ["epsilon.png", "Exploration: epsilon vs frames"],
        ["frames-per-second.png", "Speed: frames/s vs frames"],
      ])
        expect(html).toContain(`<img class="plot" src="${src}" alt="${caption}"`);
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });
});

const available = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);

describe("report.html in headless Chromium", () => {
  if (!available && !inCi) {
    it.skip(`skipped: ${CHROMIUM} is not installed (apt-get install chromium, as .ci/run does; in CI this fails)`, () => {});
    return;
  }

  it("loads the reward curve and an animated episode GIF", async () => {
    expect(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing in CI: .ci/run's chromium phase should have installed it`,
    ).toBe(true);
    await writeRewardCurve(dir, [
      { frames: 1000, train_return: 15 },
      { frames: 2000, train_return: 30, eval_return: 40 },
      { frames: 3000, train_return: 80, eval_return: 150 },
    ]);
    const env = new CartPoleEnv({ seed: 1 });
    let td = env.reset();
    const gif = new EpisodeGif({ downscale: 4 });
    for (let t = 0; t < 12; t++) {
      gif.addFrame(env.render());
      [, td] = env.stepAndMaybeReset(env.randAction(td));
    }
    writeSynced(join(dir, "episode.gif"), gif.finish());
    const report = writeReport(dir, options);

    // The animation: the GIF the report points at has more than one frame.
    const src = /<img id="episode" src="([^"]+)"/.exec(readFileSync(report, "utf8"))![1]!;
    expect(readGifInfo(readFileSync(join(dir, src))).frames).toBeGreaterThan(1);

    const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 20_000,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(pathToFileURL(report).href, { waitUntil: "load", timeout: 10_000 });
      // A string, since this package's TypeScript has no DOM types; it runs in the page.
      const images = await page.evaluate<{ id: string; complete: boolean; width: number; height: number }[]>(
        "[...document.images].map((img) => ({ id: img.id, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight }))",
      );
      expect(images).toEqual([
        { id: "reward-curve", complete: true, width: expect.any(Number), height: expect.any(Number) },
        { id: "episode", complete: true, width: 150, height: 100 },
      ]);
      expect(images[0]!.width).toBeGreaterThan(1000); // 2x the vega-lite chart's width
      expect(await page.title()).toBe("flagship <recurrent DQN>");
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 30_000);
});
