// `npm run screenshot -w playground`: builds the page, trains in headless Chromium until the greedy evaluation
// passes SCREENSHOT_EVAL (default 200) or SCREENSHOT_SECONDS (default 300) pass, and saves docs/playground.png.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { launchChromium } from "../../../test-support/chromium";
import { serveStatic } from "../src/static-server";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const target = Number(process.env.SCREENSHOT_EVAL ?? 200);
const seconds = Number(process.env.SCREENSHOT_SECONDS ?? 300);
const outDir = mkdtempSync(join(tmpdir(), "playground-shot-"));
try {
  await build({ root: appDir, logLevel: "error", build: { outDir, emptyOutDir: true } });
  const { server, url } = await serveStatic(outDir);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1320, height: 800 });
    await page.goto(url, { waitUntil: "load" });
    await page.click("#start");
    await page
      .waitForFunction((t) => Number(document.getElementById("best-eval")?.textContent) >= t, target, {
        timeout: seconds * 1000,
        polling: 1000,
      })
      .catch(() => console.log(`no evaluation reached ${target} within ${seconds} s; taking the screenshot anyway`));
    // Let the cart play a little under the current policy.
    await page.waitForTimeout(1500);
    const file = join(appDir, "docs", "playground.png");
    await page.screenshot({ path: file });
    console.log(
      `saved ${file} at ${await page.locator("#frames").textContent()} frames, best evaluation ${await page.locator("#best-eval").textContent()}`,
    );
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
