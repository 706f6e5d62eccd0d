import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { LSTMModule, MLP, QValueModule, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import { Compose, InitTracker, StepCounter, TensorDictPrimer, TransformedEnv } from "@tdrl/transforms";
import { SyncDataCollector } from "./sync-data-collector";

beforeAll(async () => {
  await initBackend();
});

const H = 4;

function makePolicy(): { policy: TensorDictSequential; lstm: LSTMModule } {
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
  return { policy, lstm };
}

/** CartPole with TorchRL's recurrent-policy transforms: InitTracker, the LSTM's primer, and a 12-step limit. */
function makeEnv(lstm: LSTMModule): TransformedEnv {
  return new TransformedEnv(
    new CartPoleEnv({ batchSize: [3], seed: 4 }),
    new Compose(new InitTracker(), TensorDictPrimer.fromModule(lstm), new StepCounter({ maxSteps: 12 })),
  );
}

describe("SyncDataCollector on a TransformedEnv with InitTracker and TensorDictPrimer", () => {
  it("matches a hand-stepped run exactly, the primer keys flowing from next to the root", async () => {
    const a = makePolicy();
    const c = new SyncDataCollector(makeEnv(a.lstm), a.policy, { framesPerBatch: 30, totalFrames: 90 });
    const tensorsBefore = tf.memory().numTensors;
    const batches: TensorDict[] = [];
    for await (const b of c) batches.push(b);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const collected = TensorDict.cat(batches, 1);

    // The same env and policy stepped by hand with the env's own stepAndMaybeReset.
    const b = makePolicy();
    const env = makeEnv(b.lstm);
    let root = env.reset();
    const steps: TensorDict[] = [];
    for (let t = 0; t < 30; t++) {
      const out = b.policy.forward(root);
      const host = out.toHost();
      out.dispose();
      const [stepped, next] = env.stepAndMaybeReset(host);
      steps.push(stepped);
      root = next;
    }
    const hand = TensorDict.stack(steps, 1);
    for (const key of [
      "observation",
      "action",
      "is_init",
      "step_count",
      "recurrent_state_h",
      "recurrent_state_c",
      "next.recurrent_state_h",
      "next.done",
      "next.truncated",
    ]) {
      expect(Array.from(collected.getHost(key).data), key).toEqual(Array.from(hand.getHost(key).data));
    }
    // Episode starts zero the state (the primer's reset); elsewhere the root state is the previous step's next state.
    const isInit = collected.getHost("is_init").data;
    const h = collected.getHost("recurrent_state_h").data;
    const nextH = collected.getHost("next.recurrent_state_h").data;
    let starts = 0;
    for (let r = 0; r < 3; r++) {
      for (let t = 0; t < 30; t++) {
        const i = r * 30 + t;
        const row = Array.from(h.subarray(i * H, (i + 1) * H));
        if (isInit[i]) {
          starts++;
          expect(row).toEqual([0, 0, 0, 0]);
        } else {
          expect(row).toEqual(Array.from(nextH.subarray((i - 1) * H, i * H)));
        }
      }
    }
    expect(starts).toBeGreaterThan(3); // some episodes end (by termination or the 12-step limit) inside the run
    expect(
      Array.from(collected.getHost("collector.traj_ids").data)
        .slice(0, 30)
        .filter((x, i, all) => i === 0 || x !== all[i - 1]).length,
    ).toBeGreaterThan(1);
  });
});
