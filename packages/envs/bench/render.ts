import { measure, withMetric, withTarget, type BenchResult } from "../../../bench/harness";
import {
  CARTPOLE_FRAME_HEIGHT,
  CARTPOLE_FRAME_WIDTH,
  renderCartPoleRgb,
  renderCartPoleSmall,
} from "../src/cartpole/render-cartpole";

const FRAME_BYTES = CARTPOLE_FRAME_HEIGHT * CARTPOLE_FRAME_WIDTH * 3;

/**
 * States spread over CartPole's live range (|x| < 2.4, |theta| < 12 degrees), cycled through so that no
 * branch or cache sees one state only.
 */
function benchStates(count: number): number[][] {
  return Array.from({ length: count }, (_, i) => [2.3 * Math.sin(i * 0.71), 0, 0.2 * Math.cos(i * 1.37), 0]);
}

function perSecond(r: BenchResult): BenchResult {
  return withMetric(r, 1e6 / r.medianUs, "frames/s");
}

/**
 * Times the CartPole renderers: the exact 400x600 RGB frame (target 2k frames/s), the small area-coverage
 * frame at 84x84 grayscale (target 200k frames/s) and RGB, and the floor under the full frame: copying a
 * ready 400x600x3 background with `set`, which every full frame pays.
 *
 * @example
 * import { printResult } from "../../../bench/harness";
 * for (const r of benchRender()) printResult(r);
 */
export function benchRender(): BenchResult[] {
  const states = benchStates(64);
  const results: BenchResult[] = [];
  let i = 0;
  const next = () => states[i++ & 63]!;

  const background = new Uint8Array(FRAME_BYTES).fill(255);
  const full = new Uint8Array(FRAME_BYTES);
  results.push({
    ...perSecond(measure("render: baseline, copy a 400x600x3 background with set", () => full.set(background))),
    note: "the floor of a full frame",
  });
  results.push(
    withTarget(
      perSecond(
        measure("render: renderCartPoleRgb, 400x600 RGB (exact pygame frame)", () => renderCartPoleRgb(next(), full)),
      ),
      2000,
      "frames/s",
      false,
    ),
  );

  const gray = new Uint8Array(84 * 84);
  const grayOptions = { height: 84, width: 84, grayscale: true };
  results.push(
    withTarget(
      perSecond(
        measure("render: renderCartPoleSmall, renderSize [84, 84] grayscale", () =>
          renderCartPoleSmall(next(), gray, grayOptions),
        ),
      ),
      200_000,
      "frames/s",
      false,
    ),
  );
  const rgb = new Uint8Array(84 * 84 * 3);
  const rgbOptions = { height: 84, width: 84, grayscale: false };
  results.push(
    perSecond(
      measure("render: renderCartPoleSmall, renderSize [84, 84] RGB", () =>
        renderCartPoleSmall(next(), rgb, rgbOptions),
      ),
    ),
  );
  return results;
}
