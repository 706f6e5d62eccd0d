import { describe, expect, it } from "vitest";
import { grayFrame, loadPipelineFrames, maxAbsDiff } from "../test/image-reference";
import { ResizePlan, axisWeights } from "./resize-kernels";

describe("ResizePlan against torchvision (CartPole frames, 400x600 -> 84x84)", () => {
  const frames = loadPipelineFrames();
  for (const antialias of [true, false]) {
    it(`bilinear with antialias=${antialias} matches to 1e-3 per pixel on every frame`, () => {
      const plan = new ResizePlan(400, 600, 84, 84, 1, "bilinear", antialias);
      const out = new Float32Array(84 * 84);
      const errors = frames.map((f) => {
        plan.run(grayFrame(f.rgb), 1, out);
        return maxAbsDiff(out, antialias ? f.antialias : f.noAntialias);
      });
      console.log(antialias, errors);
      for (const e of errors) expect(e).toBeLessThan(1e-3);
    });
  }
});

describe("axisWeights", () => {
  const at = (w: ReturnType<typeof axisWeights>, o: number) => {
    const row = new Array<number>(w.inSize).fill(0);
    for (let k = 0; k < w.taps; k++) row[w.start[o]! + k]! += w.weights[o * w.taps + k]!;
    return row;
  };

  it("bilinear without antialias samples at half-pixel centres, clamped at the edges", () => {
    const w = axisWeights(4, 2, "bilinear", false);
    expect(at(w, 0)).toEqual([0.5, 0.5, 0, 0]);
    expect(at(w, 1)).toEqual([0, 0, 0.5, 0.5]);
    const up = axisWeights(2, 4, "bilinear", false); // src = 0.5 * (o + 0.5) - 0.5: -0.25 -> 0, 0.25, 0.75, 1.25 -> last
    expect([0, 1, 2, 3].map((o) => at(up, o))).toEqual([
      [1, 0],
      [0.75, 0.25],
      [0.25, 0.75],
      [0, 1],
    ]);
  });

  it("bilinear with antialias widens the triangle by the downscale factor and normalises (PIL / torch)", () => {
    const w = axisWeights(4, 2, "bilinear", true);
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
    close(at(w, 0), [3 / 7, 3 / 7, 1 / 7, 0]);
    close(at(w, 1), [0, 1 / 7, 3 / 7, 3 / 7]);
  });

  it("is the identity at scale 1 in every mode (which lets Resize pass same-size images through)", () => {
    for (const [mode, aa] of [
      ["bilinear", true],
      ["bilinear", false],
      ["nearest", false],
      ["area", false],
    ] as const) {
      const w = axisWeights(5, 5, mode, aa);
      for (let o = 0; o < 5; o++) expect(at(w, o)).toEqual([0, 1, 2, 3, 4].map((i) => (i === o ? 1 : 0)));
    }
  });

  it("nearest takes floor(o * in / out); area averages [floor(o * in / out), ceil((o + 1) * in / out))", () => {
    const n = axisWeights(5, 3, "nearest", false);
    expect([0, 1, 2].map((o) => at(n, o).indexOf(1))).toEqual([0, 1, 3]);
    const a = axisWeights(5, 3, "area", false);
    expect([0, 1, 2].map((o) => at(a, o))).toEqual([
      [0.5, 0.5, 0, 0, 0],
      [0, 1 / 3, 1 / 3, 1 / 3, 0],
      [0, 0, 0, 0.5, 0.5],
    ]);
  });
});

describe("ResizePlan layouts", () => {
  it("resizes interleaved channels and consecutive planes exactly like one channel of one image at a time", () => {
    const [h, w, c, n] = [7, 9, 3, 2];
    const src = Float32Array.from({ length: n * h * w * c }, (_, i) => Math.sin(i * 0.37));
    for (const mode of ["bilinear", "nearest", "area"] as const) {
      const plan = new ResizePlan(h, w, 4, 5, c, mode, true);
      const out = new Float32Array(n * 4 * 5 * c);
      plan.run(src, n, out);
      const single = new ResizePlan(h, w, 4, 5, 1, mode, true);
      for (let p = 0; p < n; p++) {
        for (let ch = 0; ch < c; ch++) {
          const plane = Float32Array.from({ length: h * w }, (_, i) => src[(p * h * w + i) * c + ch]!);
          const one = new Float32Array(20);
          single.run(plane, 1, one);
          const got = Array.from({ length: 20 }, (_, i) => out[(p * 20 + i) * c + ch]!);
          expect(got).toEqual(Array.from(one));
        }
      }
    }
  });
});
