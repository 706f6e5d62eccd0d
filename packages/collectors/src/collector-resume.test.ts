import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng, encodeTensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv, type EnvBase } from "@tdrl/envs";
import { LSTMModule, MLP, QValueModule, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import { Compose, InitTracker, StepCounter, TensorDictPrimer, TransformedEnv } from "@tdrl/transforms";
import type { CollectorState } from "./collector";
import { SyncDataCollector, type SyncDataCollectorOptions } from "./sync-data-collector";

beforeAll(async () => {
  await initBackend();
});

const H = 4;
const OPTIONS: SyncDataCollectorOptions = { framesPerBatch: 12, initRandomFrames: 30, maxFramesPerTraj: 5 };

/** A Q policy (an MLP, or an LSTM then a linear head) with fixed weights, and the env it needs. */
function setup(kind: "mlp" | "lstm"): { env: EnvBase; policy: TensorDictSequential } {
  const base = () => new CartPoleEnv({ batchSize: [3], seed: 4 });
  if (kind === "mlp") {
    const policy = new TensorDictSequential(
      new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(2) }), {
        inKeys: ["observation"],
        outKeys: ["action_value"],
      }),
      new QValueModule({ actionSpace: "categorical" }),
    );
    return { env: new TransformedEnv(base(), new StepCounter({ maxSteps: 7 })), policy };
  }
  const lstm = new LSTMModule({
    inputSize: 4,
    hiddenSize: H,
    inKey: "observation",
    outKey: "features",
    rng: new Rng(1),
  });
  const policy = new TensorDictSequential(
    lstm,
    new TensorDictModule(new MLP({ inFeatures: H, outFeatures: 2, numCells: [], rng: new Rng(2) }), {
      inKeys: ["features"],
      outKeys: ["action_value"],
    }),
    new QValueModule({ actionSpace: "categorical" }),
  );
  return {
    env: new TransformedEnv(
      base(),
      new Compose(new InitTracker(), TensorDictPrimer.fromModule(lstm), new StepCounter({ maxSteps: 7 })),
    ),
    policy,
  };
}

const encoded = (c: SyncDataCollector, batches: number): string[] =>
  Array.from({ length: batches }, () => JSON.stringify(encodeTensorDict(c.rollout())));

describe("SyncDataCollector exact resume (state / loadState with the env and the pending root)", () => {
  for (const kind of ["mlp", "lstm"] as const) {
    it(`collects the same 2 batches after a JSON round trip, with ${kind === "mlp" ? "an MLP" : "an LSTM (through the primer)"} policy`, async () => {
      const a = setup(kind);
      const c = new SyncDataCollector(a.env, a.policy, OPTIONS);
      encoded(c, 3);
      const saved = JSON.stringify(c.state());
      const tensors = tf.memory().numTensors;
      const expected = encoded(c, 2);
      expect(tf.memory().numTensors).toBe(tensors);
      const b = setup(kind);
      const fresh = new SyncDataCollector(b.env, b.policy, OPTIONS);
      fresh.loadState(JSON.parse(saved) as CollectorState);
      expect(fresh.framesCollected).toBe(36);
      expect(encoded(fresh, 2)).toEqual(expected);
      if (kind === "lstm") {
        // The carried recurrent state is not all zeros: the batch really continued mid-trajectory.
        const batch = JSON.parse(expected[0]!) as { entries: { recurrent_state_h: { base64: string } } };
        expect(batch.entries.recurrent_state_h.base64).toMatch(/[^A=]/);
      }
      await c.shutdown();
      await fresh.shutdown();
    });
  }

  it("without the resume part (countersState) resets the env and renews the ids, as before", () => {
    const a = setup("mlp");
    const c = new SyncDataCollector(a.env, a.policy, OPTIONS);
    encoded(c, 2);
    const counters = JSON.parse(JSON.stringify(c.countersState())) as CollectorState;
    expect(counters.resume).toBeUndefined();
    const b = setup("mlp");
    const fresh = new SyncDataCollector(b.env, b.policy, OPTIONS);
    fresh.loadState(counters);
    const batch = fresh.rollout();
    expect(Array.from(batch.getHost("step_count").data.subarray(0, 1))).toEqual([0]);
  });

  it("refuses a bad resume part, naming the field, and changes nothing", () => {
    const a = setup("mlp");
    const c = new SyncDataCollector(a.env, a.policy, OPTIONS);
    encoded(c, 1);
    const good = JSON.parse(JSON.stringify(c.state())) as CollectorState;
    const b = setup("mlp");
    const fresh = new SyncDataCollector(b.env, b.policy, OPTIONS);
    encoded(fresh, 2);
    const before = JSON.stringify(fresh.state());
    const resume = good.resume!;
    const cases: [CollectorState, string][] = [
      [
        { ...good, resume: { ...resume, trajSteps: { type: "int32", length: 2, base64: "AAAAAAAAAAA=" } } },
        '"resume.trajSteps": expected 3 elements, got 2',
      ],
      [
        { ...good, resume: { ...resume, env: { ...resume.env, version: 7 } } },
        'TransformedEnv(CartPoleEnv).loadState(): "version" is 7',
      ],
      [
        { ...good, resume: { ...resume, root: { batchSize: [2], entries: {} } } },
        '"resume.root" has batch size [2], the env has [3]',
      ],
      [
        { ...good, trajectoryIds: [{ current: [0, 1, 2], next: 1 }] },
        '"next" must be an integer above every current id',
      ],
    ];
    for (const [state, message] of cases) {
      expect(() => fresh.loadState(state)).toThrow(message);
      expect(JSON.stringify(fresh.state())).toBe(before);
    }
  });
});
