import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatBackendReport } from "./backend-report";
import { initBackend } from "./init-backend";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("initBackend (real modules)", () => {
  it("runs on wasm when asked, and a conv gradient works there", async () => {
    vi.stubEnv("TDRL_BACKEND", "");
    const report = await initBackend({ prefer: "wasm" });
    expect(report.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(report.wasm?.simd).toBe(true);
    expect(await initBackend({ prefer: "wasm" })).toBe(report);
    const g = tf.tidy(() =>
      tf
        .grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 6, 6, 1]) as tf.Tensor4D, w as tf.Tensor4D, 2, "valid")))(
          tf.ones([2, 2, 1, 1]),
        )
        .dataSync(),
    );
    // Every tap of a 2x2/2 filter over a 6x6 input of ones sees 3x3 ones.
    expect(Array.from(g)).toEqual([9, 9, 9, 9]);
  });

  it("picks a backend on auto and explains each one skipped", async (ctx) => {
    vi.stubEnv("TDRL_BACKEND", "");
    const report = await initBackend();
    expect(report.requested).toBe("auto");
    expect(tf.getBackend()).toBe(report.tfjsBackend);
    if (report.backend !== "wasm") ctx.skip(); // a tfjs-node package is installed here
    expect(report.skipped.map((s) => s.backend)).toEqual(["tensorflow-gpu", "tensorflow"]);
    for (const s of report.skipped)
      expect(s.reason).toMatch(/^@tensorflow\/tfjs-node(-gpu)? is (not installed|installed but failed to load)/);
    expect(formatBackendReport(report)).toContain("skipped tensorflow: @tensorflow/tfjs-node");
  });

  it("follows TDRL_BACKEND", async () => {
    vi.stubEnv("TDRL_BACKEND", "cpu");
    const report = await initBackend({ prefer: "wasm" });
    expect(report).toMatchObject({ backend: "cpu", requestedBy: "env" });
    expect(tf.getBackend()).toBe("cpu");
  });
});
