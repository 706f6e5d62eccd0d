import { describe, expect, it } from "vitest";
import { maxAbsDiff } from "../test/golden";
import { NStepEstimator, TD0Estimator, TD1Estimator, TDLambdaEstimator, type ReturnInputs } from "./value-estimators";

// Two sequences of 5 steps. The first is truncated after step 1 (done, not terminated: it bootstraps from
// V(s_2) and the recursion must not cross into the next episode); the second terminates at step 3.
const inputs: ReturnInputs = {
  reward: [1, 2, 3, 4, 5, 1, 1, 1, 1, 1],
  nextValue: [10, 20, 30, 40, 50, 2, 2, 2, 2, 2],
  terminated: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
  done: [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
  steps: 5,
};

// Hand-computed with gamma = 0.9 (see the recursions in value-estimators.ts).
const expected = {
  td0: [10, 20, 30, 40, 50, 2.8, 2.8, 2.8, 1, 2.8],
  td1: [19, 20, 47.1, 49, 50, 3.439, 2.71, 1.9, 1, 2.8],
  tdLambdaHalf: [14.5, 20, 36.525, 44.5, 50, 3.230875, 2.9575, 2.35, 1, 2.8],
  nStep2: [19, 20, 39, 49, 50, 3.52, 3.52, 1.9, 1, 2.8],
};

describe("value estimators", () => {
  it("TD0 bootstraps every step unless terminated", () => {
    expect(maxAbsDiff(new TD0Estimator({ gamma: 0.9 }).returns(inputs), expected.td0)).toBeLessThan(1e-5);
  });

  it("TD1 sums discounted rewards to the end of the trajectory or segment", () => {
    expect(maxAbsDiff(new TD1Estimator({ gamma: 0.9 }).returns(inputs), expected.td1)).toBeLessThan(1e-5);
  });

  it("TD(lambda) matches the hand-computed recursion, and its ends are TD0 and TD1", () => {
    expect(
      maxAbsDiff(new TDLambdaEstimator({ gamma: 0.9, lambda: 0.5 }).returns(inputs), expected.tdLambdaHalf),
    ).toBeLessThan(1e-5);
    expect(maxAbsDiff(new TDLambdaEstimator({ gamma: 0.9, lambda: 0 }).returns(inputs), expected.td0)).toBeLessThan(
      1e-5,
    );
    expect(maxAbsDiff(new TDLambdaEstimator({ gamma: 0.9, lambda: 1 }).returns(inputs), expected.td1)).toBeLessThan(
      1e-5,
    );
  });

  it("n-step stops at trajectory ends; n = 1 is TD0 and n >= T is TD1", () => {
    expect(maxAbsDiff(new NStepEstimator({ gamma: 0.9, n: 2 }).returns(inputs), expected.nStep2)).toBeLessThan(1e-5);
    expect(maxAbsDiff(new NStepEstimator({ gamma: 0.9, n: 1 }).returns(inputs), expected.td0)).toBeLessThan(1e-5);
    expect(maxAbsDiff(new NStepEstimator({ gamma: 0.9, n: 5 }).returns(inputs), expected.td1)).toBeLessThan(1e-5);
  });

  it("without done, terminated marks the trajectory ends", () => {
    const { done: _done, ...noDone } = inputs;
    const out = new TD1Estimator({ gamma: 0.9 }).returns(noDone);
    expect(out[0]).toBeCloseTo(1 + 0.9 * (2 + 0.9 * 47.1), 4); // the truncation at step 1 is no longer seen
    expect(out[5]).toBeCloseTo(3.439, 5);
  });

  it("errors name the estimator and the value", () => {
    expect(() => new TDLambdaEstimator({ lambda: 2 })).toThrow("TDLambdaEstimator: lambda must be in [0, 1], got 2");
    expect(() => new NStepEstimator({ n: 0 })).toThrow("NStepEstimator: n must be a positive integer, got 0");
    expect(() => new TD1Estimator({ gamma: -1 })).toThrow("TD1Estimator: gamma must be in [0, 1], got -1");
    expect(() => new TD1Estimator().returns({ ...inputs, steps: 3 })).toThrow(
      "TD1Estimator: steps 3 must be a positive integer dividing the number of samples (10)",
    );
    expect(() => new TD0Estimator().returns({ ...inputs, nextValue: [1] })).toThrow(
      "TD0Estimator: nextValue has 1 values; reward has 10",
    );
  });
});
