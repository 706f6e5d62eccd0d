import { describe, expect, it } from "vitest";
import { cartPoleStep, stepCartPoles, type CartPoleEpisodeOutputs } from "./cartpole-physics";

// Eight carts: near the middle, about to leave the track, about to pass 12 degrees, about to truncate.
const START = [
  [0.01, 0.02, -0.03, 0.04],
  [2.39, 1.5, 0, 0],
  [-2.39, -1.5, 0.01, 0],
  [0, 0, 0.2, 1.2],
  [0, 0, -0.2, -1.2],
  [0.02, -0.01, 0.0, 0.03],
  [-0.04, 0.05, 0.02, -0.01],
  [0.03, 0, -0.01, 0],
];
const ELAPSED = [0, 10, 20, 30, 40, 499, 498, 499];

function episode(n: number, terminalReward: number, stepReward: number): CartPoleEpisodeOutputs {
  // Stale values everywhere, as a reused output array would hold: the kernel must overwrite all of them.
  return {
    elapsed: Int32Array.from(ELAPSED),
    limit: 500,
    stepReward,
    terminalReward,
    reward: new Float32Array(n).fill(7),
    done: new Uint8Array(n).fill(1),
    truncated: new Uint8Array(n).fill(1),
  };
}

describe("stepCartPoles", () => {
  for (const [name, stepReward, terminalReward] of [
    ["+1 per step", 1, 1],
    ["Sutton-Barto rewards", 0, -1],
  ] as const) {
    it(`matches cartPoleStep cart by cart, with every episode output written (${name})`, () => {
      const n = START.length;
      const state = Float64Array.from(START.flat());
      const action = Int32Array.from([0, 1, 0, 1, 1, 0, 1, 0]);
      const obs = new Float32Array(4 * n).fill(9);
      const terminated = new Uint8Array(n + 2).fill(1);
      const out = episode(n, terminalReward, stepReward);
      stepCartPoles(n, state, action, 1, 0, "euler", obs, terminated, 2, out);

      const expectedTerm: number[] = [];
      for (let i = 0; i < n; i++) {
        const one = Float64Array.from(START[i]!);
        const term = cartPoleStep(one, 0, action[i]!) ? 1 : 0;
        expectedTerm.push(term);
        expect(Array.from(state.subarray(4 * i, 4 * i + 4))).toEqual(Array.from(one));
        expect(Array.from(obs.subarray(4 * i, 4 * i + 4))).toEqual(Array.from(Float32Array.from(one)));
      }
      const expectedTrunc = ELAPSED.map((e) => (e + 1 >= 500 ? 1 : 0));
      // The fixture covers both flags and a cart with neither.
      expect(expectedTerm).toEqual([0, 1, 1, 1, 1, 0, 0, 0]);
      expect(expectedTrunc).toEqual([0, 0, 0, 0, 0, 1, 0, 1]);
      expect(Array.from(terminated)).toEqual([1, 1, ...expectedTerm]);
      expect(Array.from(out.elapsed)).toEqual(ELAPSED.map((e) => e + 1));
      expect(Array.from(out.truncated)).toEqual(expectedTrunc);
      expect(Array.from(out.done)).toEqual(expectedTerm.map((t, i) => t | expectedTrunc[i]!));
      expect(Array.from(out.reward)).toEqual(expectedTerm.map((t) => (t === 1 ? terminalReward : stepReward)));
    });
  }

  it("reads one-hot actions through the stride and offset", () => {
    const state = Float64Array.from(START.slice(0, 2).flat());
    const byIndex = Float64Array.from(state);
    stepCartPoles(2, state, Uint8Array.from([0, 1, 1, 0]), 2, 1, "semi-implicit-euler", null, new Uint8Array(2), 0);
    stepCartPoles(2, byIndex, Int32Array.from([1, 0]), 1, 0, "semi-implicit-euler", null, new Uint8Array(2), 0);
    expect(Array.from(state)).toEqual(Array.from(byIndex));
  });
});
