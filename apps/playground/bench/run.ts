/**
 * The playground's benchmark (not a CI test): `npm run bench -w playground [-- --solve]`. Measures, in one
 * session, a state-DQN gradient step (the tuned recipe) and CartPole env steps per second in Node (wasm,
 * cpu) and in headless Chromium per backend that is available there (webgpu, webgl, wasm, cpu; the page's
 * benchmark runs in a Web Worker, as training does). With `--solve`, also trains the page (default
 * settings, wasm) until the greedy mean reaches 475 (at most BENCH_SOLVE_SECONDS, default 1200) and records
 * the frames and seconds it took. Writes
 * bench/results/playground.json at the repository root. Build the packages first (`npm run build`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { formatBackendReport, initBackend, type BackendPreference } from "@tdrl/backend";
import { writeResults, type BenchResult } from "../../../bench/harness";
import { benchBackend, type BackendBench } from "../src/bench-core";
import { launchChromium } from "../../../test-support/chromium";
import { serveStatic } from "../src/static-server";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const solve = process.argv.includes("--solve");

function toResults(where: string, bench: BackendBench): BenchResult[] {
  return bench.figures.map((f) => ({
    name: `${where} ${bench.backend}: ${f.name}`,
    medianUs: f.medianMs * 1000,
    p10Us: f.p10Ms * 1000,
    p90Us: f.p90Ms * 1000,
    rounds: f.rounds,
    callsPerRound: f.callsPerRound,
    metric: { value: f.perSecond, unit: f.name === "dqn update" ? "updates/s" : "frames/s" },
  }));
}

const results: BenchResult[] = [];
const skipped: { where: string; backend: string; reason: string }[] = [];
const reports: Record<string, string> = {};

for (const backend of ["wasm", "cpu"] as const) {
  const bench = await benchBackend(backend, initBackend, formatBackendReport);
  results.push(...toResults("node", bench));
  reports[`node ${backend}`] = bench.report;
  console.log(
    `node ${backend}: ${bench.figures.map((f) => `${f.name} ${f.perSecond.toFixed(0)}/s`).join(", ")} (leaked ${bench.leakedTensors})`,
  );
}

const outDir = mkdtempSync(join(tmpdir(), "playground-bench-"));
let solved: Record<string, unknown> | null = null;
try {
  await build({ root: appDir, logLevel: "error", build: { outDir, emptyOutDir: true } });
  const { server, url } = await serveStatic(outDir);
  const browser = await launchChromium();
  reports.chromium = browser.context.browser()?.version() ?? "chromium";
  try {
    for (const backend of ["webgpu", "webgl", "wasm", "cpu"] as BackendPreference[]) {
      const page = await browser.context.newPage();
      await page.goto(`${url}bench.html?backend=${backend}`, { waitUntil: "load" });
      await page.waitForSelector("#result[data-done]", { timeout: 600_000 });
      const outcome = JSON.parse((await page.locator("#result").textContent()) ?? "{}") as {
        ok: boolean;
        result?: BackendBench;
        error?: string;
      };
      await page.close();
      if (!outcome.ok || outcome.result === undefined) {
        skipped.push({ where: "chromium", backend, reason: outcome.error ?? "no result" });
        console.log(`chromium ${backend}: not available (${outcome.error})`);
        continue;
      }
      results.push(...toResults("chromium", outcome.result));
      reports[`chromium ${backend}`] = outcome.result.report;
      console.log(
        `chromium ${backend}: ${outcome.result.figures.map((f) => `${f.name} ${f.perSecond.toFixed(0)}/s`).join(", ")} (leaked ${outcome.result.leakedTensors})`,
      );
    }
    if (solve) {
      const page = await browser.context.newPage();
      await page.goto(`${url}?backend=wasm`, { waitUntil: "load" });
      const started = Date.now();
      await page.click("#start");
      const limit = Number(process.env.BENCH_SOLVE_SECONDS ?? 1200);
      const reached = await page
        .waitForFunction(
          () => document.getElementById("solved")?.textContent?.includes(" s of training") === true,
          undefined,
          { timeout: limit * 1000, polling: 2000 },
        )
        .then(
          () => true,
          () => false,
        );
      solved = {
        reached,
        limitSeconds: limit,
        frames: Number(await page.locator("#frames").textContent()),
        bestEval: await page.locator("#best-eval").textContent(),
        backend: await page.locator("#backend").textContent(),
        solved: await page.locator("#solved").textContent(),
        wallSeconds: (Date.now() - started) / 1000,
        settings: "page defaults (the tuned state-DQN recipe, seed 0)",
      };
      console.log(`solved in the page: ${JSON.stringify(solved)}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

const file = writeResults("playground", results, {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", loadAvg1m: loadavg()[0] },
  backends: reports,
  skipped,
  ...(solved === null ? {} : { solvedInPage: solved }),
});
console.log(`wrote ${file}`);
