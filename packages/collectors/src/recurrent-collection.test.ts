import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CountingEnv } from "@tdrl/envs";
import { LSTMModule, MLP, QValueModule, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import { SyncDataCollector } from "./sync-data-collector";

beforeAll(async () => {
  await initBackend();
});

/** CountingEnv plus an `"is_init"` flag, true on the steps that start an episode (what InitTracker adds). */
class InitFlagEnv extends CountingEnv {
  protected override _reset(mask: Uint8Array | null): TensorDict {
    const out = super._reset(mask);
    const flags = mask === null ? new Uint8Array(this.numEnvs).fill(1) : mask.slice();
    return out.set("is_init", new HostArray("bool", [...this.batchSize, 1], flags));
  }
  protected override _step(td: TensorDict): TensorDict {
    return super._step(td).set("is_init", HostArray.zeros("bool", [...this.batchSize, 1]));
  }
}

const H = 3;

describe("SyncDataCollector with a recurrent policy", () => {
  it("resets the hidden state exactly at episode starts and carries it otherwise, across batches", async () => {
    const lstm = new LSTMModule({
      inputSize: 1,
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
    const env = new InitFlagEnv({ batchSize: [2], maxCount: 3 });
    // maxFramesPerTraj cuts episodes where the policy keeps choosing 0, so both kinds of episode end occur.
    const c = new SyncDataCollector(env, policy, { framesPerBatch: 14, totalFrames: 42, maxFramesPerTraj: 5 });
    const batches: TensorDict[] = [];
    for await (const b of c) batches.push(b);
    const tensorsAfter = tf.memory().numTensors;

    // Hand-stepped reference: per sub-env, the LSTM run from a zero state at each episode start on the
    // observations the collector recorded.
    const state: { h: Float32Array<ArrayBufferLike>; c: Float32Array<ArrayBufferLike> }[] = [0, 1].map(() => ({
      h: new Float32Array(H),
      c: new Float32Array(H),
    }));
    let starts = 0;
    let carried = 0;
    for (const b of batches) {
      const obs = b.getHost("observation").data;
      const isInit = b.getHost("is_init").data;
      const rootH = b.getHost("recurrent_state_h").data;
      const nextH = b.getHost("next.recurrent_state_h").data;
      const T = b.batchSize[1]!;
      for (let r = 0; r < 2; r++) {
        for (let t = 0; t < T; t++) {
          const i = r * T + t;
          const s = state[r]!;
          if (isInit[i]) {
            s.h.fill(0);
            s.c.fill(0);
            starts++;
          } else {
            expect(Array.from(rootH.subarray(i * H, (i + 1) * H))).toEqual(Array.from(s.h)); // carried as is
            carried++;
          }
          const step = new TensorDict(
            {
              observation: HostArray.from("float32", [1, 1], [obs[i]!]),
              recurrent_state_h: HostArray.from("float32", [1, 1, H], s.h),
              recurrent_state_c: HostArray.from("float32", [1, 1, H], s.c),
            },
            [1],
          );
          const out = lstm.forward(step).toHost();
          step.dispose();
          s.h = out.getHost("next.recurrent_state_h").data as Float32Array;
          s.c = out.getHost("next.recurrent_state_c").data as Float32Array;
          const got = Array.from(nextH.subarray(i * H, (i + 1) * H));
          got.forEach((x, k) => expect(x).toBeCloseTo(s.h[k]!, 5));
        }
      }
    }
    // Both kinds of step happened, including episodes that straddle a batch boundary.
    expect(starts).toBeGreaterThan(4);
    expect(carried).toBeGreaterThan(20);
    const isInitAtBatchStart = batches.slice(1).map((b) => b.getHost("is_init").data[0]);
    expect(isInitAtBatchStart).toContain(0);
    expect(tf.memory().numTensors).toBe(tensorsAfter);
  });
});
