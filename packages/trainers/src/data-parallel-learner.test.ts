import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { smallSetup, type SmallLossArgs } from "../test/data-parallel-fixture";
import { DataParallelLearner } from "./data-parallel-learner";
import { DqnLearner } from "./dqn-learner";
import { linearLr } from "./lr-schedule";

const FIXTURE = new URL("../test/data-parallel-fixture.ts", import.meta.url);
const ARGS: SmallLossArgs = { hidden: 8, seed: 3, burnIn: 2 };
// Loading TypeScript with tsx in a worker takes seconds on a loaded machine.
const START = 120_000;

const open: { dispose(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0).reverse()) o.dispose();
});
beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

function dataParallel(exportName = "makeSmallLoss", args: unknown = ARGS, loss: SmallLossArgs = ARGS) {
  const parts = smallSetup(loss);
  open.push(parts);
  const learner = new DataParallelLearner({
    ...parts,
    workerLoss: { module: FIXTURE, exportName, args },
    startTimeoutMs: START,
  });
  open.push(learner);
  return { parts, learner };
}

const weightsOf = (parts: ReturnType<typeof smallSetup>) =>
  [...parts.loss.parameters().values(), ...parts.loss.targetParameters().values()].map((v) => Array.from(v.dataSync()));

describe("DataParallelLearner", () => {
  it("matches DqnLearner up to float rounding: loss, td_error in sample order, weights after Adam; no tensor leak either side", () => {
    const one = smallSetup(ARGS);
    open.push(one);
    const single = new DqnLearner(one);
    const { parts, learner } = dataParallel();
    const mainCounts: number[] = [];
    const workerCounts: number[] = [];
    for (let k = 0; k < 4; k++) {
      let b1: TensorDict | null = null;
      let b2: TensorDict | null = null;
      const s1 = single.update({ processBatch: (b) => (b1 = b) });
      const s2 = learner.update({ processBatch: (b) => (b2 = b) });
      expect(b2!.batchSize).toEqual([6, 10]);
      expect(s2.loss).toBeCloseTo(s1.loss, 5);
      expect(Math.abs(s2.loss - s1.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(s1.loss));
      expect(s2.gradNorm).toBeCloseTo(s1.gradNorm, 4);
      const e1 = Array.from(b1!.getHost("td_error").data);
      const e2 = Array.from(b2!.getHost("td_error").data);
      expect(b2!.getHost("td_error").shape).toEqual([6, 10]);
      e2.forEach((e, i) => expect(e).toBeCloseTo(e1[i]!, 5));
      // Burn-in steps of every slice, in both halves, have no error: the halves are in slice order.
      for (let row = 0; row < 6; row++) expect(e2.slice(row * 10, row * 10 + 2)).toEqual([0, 0]);
      const w1 = weightsOf(one);
      weightsOf(parts).forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(w1[i]![j]!, 5)));
      mainCounts.push(tf.memory().numTensors);
      workerCounts.push(learner.workerNumTensors);
    }
    expect(learner.updates).toBe(4);
    expect(new Set(mainCounts).size).toBe(1);
    expect(new Set(workerCounts).size).toBe(1);
    expect(workerCounts[0]).toBeGreaterThan(0);
  }, 180_000);

  it("an odd number of slices: halves of 2 and 3 weighted 2/5 and 3/5 give the one-thread loss and update", () => {
    const one = smallSetup(ARGS, 5);
    open.push(one);
    const single = new DqnLearner(one);
    const parts = smallSetup(ARGS, 5);
    open.push(parts);
    const learner = new DataParallelLearner({
      ...parts,
      workerLoss: { module: FIXTURE, exportName: "makeSmallLoss", args: ARGS },
      startTimeoutMs: START,
    });
    open.push(learner);
    for (let k = 0; k < 2; k++) {
      const s1 = single.update();
      const s2 = learner.update();
      expect(Math.abs(s2.loss - s1.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(s1.loss));
      const w1 = weightsOf(one);
      weightsOf(parts).forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(w1[i]![j]!, 5)));
    }
  }, 180_000);

  it("follows the lrSchedule as DqnLearner does (a rate of 0 leaves the online weights unchanged)", () => {
    const decay = linearLr({ from: 5e-3, to: 0, updates: 2 });
    const one = smallSetup(ARGS);
    open.push(one);
    const single = new DqnLearner({ ...one, lrSchedule: decay });
    const parts = smallSetup(ARGS);
    open.push(parts);
    const learner = new DataParallelLearner({
      ...parts,
      lrSchedule: decay,
      workerLoss: { module: FIXTURE, exportName: "makeSmallLoss", args: ARGS },
      startTimeoutMs: START,
    });
    open.push(learner);
    const online = (p: ReturnType<typeof smallSetup>) =>
      [...p.loss.parameters().values()].map((v) => Array.from(v.dataSync()));
    for (let k = 0; k < 3; k++) {
      const before = online(parts);
      single.update();
      learner.update();
      const w1 = weightsOf(one);
      weightsOf(parts).forEach((w, i) => w.forEach((x, j) => expect(x).toBeCloseTo(w1[i]![j]!, 5)));
      // Steps 0 and 1 move at 5e-3 and 2.5e-3; the third is at rate 0.
      if (k === 2) expect(online(parts)).toEqual(before);
      else expect(online(parts)).not.toEqual(before);
    }
  }, 180_000);

  it("repeats itself bit for bit (what an exact resume needs)", () => {
    const runs = [dataParallel(), dataParallel()];
    const losses = runs.map(({ learner }) => Array.from({ length: 3 }, () => learner.update().loss));
    expect(losses[1]).toEqual(losses[0]);
    expect(weightsOf(runs[1]!.parts)).toEqual(weightsOf(runs[0]!.parts));
  }, 180_000);

  it("throws the worker's error with its message and stack; a failed step changes no weights", () => {
    const { learner } = dataParallel("makeThrowingLoss", undefined);
    expect(() => learner.update()).toThrow(
      /DataParallelLearner: worker 0 failed in building the loss: Error: no loss today[\s\S]*makeThrowingLoss/,
    );
    expect(() => learner.update()).toThrow(/DataParallelLearner: the worker (exited during start-up|failed to start)/);
    const exiting = dataParallel("makeExitingLoss", undefined).learner;
    expect(() => exiting.update()).toThrow(/DataParallelLearner: the worker exited with code 3 during start-up/);
    const wrong = dataParallel("makeSmallLoss", { ...ARGS, hidden: 5 }).learner;
    expect(() => wrong.update()).toThrow(/online parameters .*\[20, 3\].* but the main thread's loss has .*\[32, 3\]/);
    const { learner: failing, parts } = dataParallel("makeFailingForwardLoss");
    const before = weightsOf(parts);
    expect(() => failing.update()).toThrow(
      /worker 0 failed in RecurrentDQNLoss.forward and its gradients: Error: boom in the worker's forward[\s\S]*failingForward/,
    );
    expect(weightsOf(parts)).toEqual(before);
    expect(failing.updates).toBe(0);
  }, 180_000);

  it("refuses a missing module; dispose ends the worker thread", async () => {
    const parts = smallSetup(ARGS);
    open.push(parts);
    expect(
      () => new DataParallelLearner({ ...parts, workerLoss: { module: "/nowhere/loss.ts", exportName: "x" } }),
    ).toThrow(/DataParallelLearner \(workerLoss\): module \/nowhere\/loss.ts does not exist/);
    const { learner } = dataParallel();
    learner.update();
    learner.dispose();
    await learner.exited();
    expect(() => learner.update()).toThrow(/DataParallelLearner: the learner was disposed/);
  }, 180_000);
});
