// The playground in a real browser: builds the page with Vite, serves it on a free loopback port, and
// drives it in headless Chromium (Debian's, as the examples' report test does): it loads without console
// errors, training starts and beats random play, pause stops it, and the downloaded weights load in Node.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { loadWeights, readSafetensorsHeader } from "@tdrl/modules";
import { mlpQNetwork } from "../../examples/src/core/q-network";
import { QActor } from "../../examples/src/core/actor";
import { evaluateGreedy } from "@tdrl/trainers";
import { EGreedyModule } from "@tdrl/modules";
import { Categorical } from "@tdrl/tensordict";
import { CHROMIUM, launchChromium } from "../../../test-support/chromium";
import { serveStatic } from "./static-server";
/** Random play on CartPole-v1 lasts ~22 steps on average. */
const RANDOM_RETURN = 22;
/** The bound on training frames within which the greedy return must beat random play clearly. */
const MAX_FRAMES = 20_000;

const appDir = fileURLToPath(new URL("..", import.meta.url));
const available = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);

describe("the playground in headless Chromium", () => {
  if (!available && !inCi) {
    it.skip(`skipped: ${CHROMIUM} is not installed (apt-get install chromium, as .ci/run does; in CI this fails)`, () => {});
    return;
  }
  let server: Server | undefined;
  let url = "";
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  const profile = mkdtempSync(join(tmpdir(), "playground-test-"));
  const problems: string[] = [];

  beforeAll(async () => {
    expect(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing in CI: .ci/run's chromium phase should have installed it`,
    ).toBe(true);
    // The page imports the built packages (their browser entries), as an app depending on them would.
    const unbuilt = ["tensordict", "envs", "transforms", "buffers", "modules", "losses", "collectors"].filter(
      (p) => !existsSync(join(appDir, "..", "..", "packages", p, "dist")),
    );
    expect(unbuilt, `packages without dist/: run \`npm run build\` first`).toEqual([]);
    const outDir = join(profile, "dist");
    await build({ root: appDir, logLevel: "error", build: { outDir, emptyOutDir: true } });
    ({ server, url } = await serveStatic(outDir));
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    // A smaller network than the recipe's 256-256 keeps the test short; everything else is the tuned recipe.
    await page.goto(`${url}?hidden=64`, { waitUntil: "load", timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  const text = async (id: string) => (await page.locator(`#${id}`).textContent()) ?? "";
  const frames = async () => Number(await text("frames"));

  it("loads without console errors, trains, and beats random play within a bounded number of frames", async () => {
    expect(await page.title()).toBe("tdrl playground: DQN on CartPole in your browser");
    expect(await text("status")).toBe("idle");
    await page.click("#start");
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "training", undefined, {
      timeout: 30_000,
    });
    await page.waitForFunction(() => Number(document.getElementById("frames")?.textContent) > 0, undefined, {
      timeout: 60_000,
    });
    expect(await text("backend")).toMatch(/^(webgpu|webgl|wasm|cpu)$/);
    // initBackend's report, in the page: what it took and why it passed over the backends before it.
    const summary = (await page.locator("#backend").getAttribute("title")) ?? "";
    expect(summary).toMatch(/^backend: (webgpu|webgl|wasm|cpu) \(tfjs "\w+"\), requested auto \(option\)/);
    if (!summary.startsWith("backend: webgpu")) expect(summary).toMatch(/\nskipped webgpu: /);
    // Greedy evaluations (20 episodes) run every 2560 frames; wait for one clearly above random play.
    await page.waitForFunction(
      ({ threshold, maxFrames }) => {
        const best = Number(document.getElementById("best-eval")?.textContent);
        const f = Number(document.getElementById("frames")?.textContent);
        return best > threshold || f >= maxFrames;
      },
      { threshold: 2 * RANDOM_RETURN, maxFrames: MAX_FRAMES },
      { timeout: 150_000, polling: 500 },
    );
    const best = Number(await text("best-eval"));
    console.log(
      `playground: best greedy evaluation ${best} after ${await frames()} frames on ${await text("backend")} (${await text("fps")} frames/s)`,
    );
    expect(best).toBeGreaterThan(2 * RANDOM_RETURN);
    expect(problems).toEqual([]);
  }, 200_000);

  it("stops when paused: the frame counter stays put", async () => {
    await page.click("#pause");
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "paused", undefined, {
      timeout: 30_000,
    });
    const paused = await frames();
    await page.waitForTimeout(2_000);
    expect(await frames()).toBe(paused);
    expect(await text("status")).toBe("paused");
  }, 60_000);

  it("downloads weights as safetensors that load in Node and play like the page's policy", async () => {
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), page.click("#download")]);
    const path = join(profile, "weights.safetensors");
    await download.saveAs(path);
    expect(download.suggestedFilename()).toMatch(/^cartpole-dqn-\d+-frames\.safetensors$/);
    const bytes = new Uint8Array(readFileSync(path));
    const { metadata } = readSafetensorsHeader(bytes);
    expect(metadata).toMatchObject({
      format: "tdrl-playground-cartpole-dqn",
      numCells: "[64,64]",
      frames: String(await frames()),
    });

    await initBackend({ prefer: "cpu" });
    const qnet = mlpQNetwork({
      inFeatures: 4,
      numActions: 2,
      numCells: JSON.parse(metadata.numCells!) as number[],
      dueling: false,
      rng: new Rng(123),
    });
    loadWeights(qnet, bytes);
    const actor = new QActor(
      qnet,
      new EGreedyModule({
        spec: new Categorical({ n: 2 }),
        epsInit: 0,
        epsEnd: 0,
        annealingNumSteps: 1,
        rng: new Rng(0),
      }),
    );
    const before = tf.memory().numTensors;
    const evaluation = evaluateGreedy((n, seed) => new CartPoleEnv({ batchSize: [n], seed }), actor, {
      episodes: 10,
      seed: 99,
    });
    expect(tf.memory().numTensors).toBe(before);
    // The trained policy, now in Node, plays well above random.
    expect(evaluation.mean).toBeGreaterThan(2 * RANDOM_RETURN);
    expect(problems).toEqual([]);
  }, 60_000);
});
