/*
 * Test support (not exported from the package): the vitest suite every *-gradients.test.ts runs on its table of
 * finite-difference cases, on the cpu backend and again on wasm (the backend tdrl trains on in Node).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { checkGradient, type GradientCase } from "./numeric-gradient-check";
import { registerCoreGradients } from "../src/gradients/register-core-gradients";

export function gradientSuite(
  title: string,
  gradients: readonly tf.GradConfig[],
  cases: readonly GradientCase[],
): void {
  describe(title, () => {
    beforeAll(async () => {
      await tf.setBackend("cpu");
      registerCoreGradients();
    });

    it("registers these gradient configs for their kernels", () => {
      const notOurs = gradients.filter((g) => tf.getGradient(g.kernelName) !== g).map((g) => g.kernelName);
      expect(notOurs).toEqual([]);
    });

    it("has a finite-difference case for every kernel", () => {
      const covered = new Set(cases.map((c) => c.kernel));
      expect(gradients.map((g) => g.kernelName).filter((k) => !covered.has(k))).toEqual([]);
    });
  });

  describe.each(["cpu", "wasm"] as const)(`${title} on %s`, (backend) => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      registerCoreGradients();
    });

    const runnable = cases.filter((c) => backend === "cpu" || c.notOnWasm === undefined);
    it.each(runnable.map((c) => [c.name, c] as const))("%s", (_name, c) => {
      const report = checkGradient(c);
      expect(report.mismatches).toEqual([]);
      expect(report.gradientCalls, `the ${c.kernel} gradient was never called`).toBeGreaterThan(0);
      expect(report.leakedTensors).toBe(0);
    });
  });
}
