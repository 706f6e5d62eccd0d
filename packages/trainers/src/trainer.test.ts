import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { Rng, type TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { SyncDataCollector } from "@tdrl/collectors";
import { EpisodeStats } from "./episode-stats";
import { Trainer, type Learner, type TrainerConfig, type TrainerState } from "./trainer";

const config: TrainerConfig = {
  totalFrames: 96,
  stepsPerBatch: 4,
  initRandomFrames: 16,
  updatesPerFrame: 1 / 8,
  evalEvery: 32,
  checkpointEvery: 32,
};

/** A trainer over a random CartPole policy and a learner that only counts, with an evaluation that draws from its own RNG. */
function makeTrainer(options: { stopAtFrames?: number; buffer?: boolean } = {}) {
  const env = new CartPoleEnv({ batchSize: [2], seed: 3 });
  const collector = new SyncDataCollector(env, (td: TensorDict) => env.randAction(td), {
    framesPerBatch: 8,
    initRandomFrames: 16,
  });
  const seen: number[] = [];
  const learner: Learner & { updates: number } = {
    updates: 0,
    resumeAt(n) {
      this.updates = n;
    },
    update(context) {
      seen.push(context.collected.batchSize[1]!);
      this.updates++;
      return { loss: this.updates, gradNorm: 0, meanTdError: 0 };
    },
  };
  const evalRng = new Rng(9);
  const trainer = new Trainer(config, {
    collector,
    stats: new EpisodeStats(2),
    learner,
    rngs: { eval: evalRng },
    evaluate: () => {
      const r = evalRng.uniform() * 100;
      return { rewards: [r], mean: r, min: r, max: r };
    },
    ...(options.stopAtFrames === undefined ? {} : { stopAtFrames: options.stopAtFrames }),
  });
  return { trainer, learner, seen };
}

describe("Trainer", () => {
  it("runs the hook stages in order, with the gradient steps the replay ratio owes", async () => {
    await initBackend({ prefer: "cpu" });
    const { trainer, seen } = makeTrainer();
    const order: string[] = [];
    for (const stage of [
      "batchProcess",
      "preOptimSteps",
      "processOptimBatch",
      "postLoss",
      "postOptimSteps",
      "postEval",
      "log",
      "postSteps",
      "checkpoint",
    ] as const) {
      trainer.register(stage, (() => void order.push(stage)) as never);
    }
    const remove = trainer.register("postSteps", () => {
      throw new Error("removed hooks do not run");
    });
    remove();
    const result = await trainer.train();
    expect(result.state.frames).toBe(96);
    expect(result.state.updates).toBe(96 / 8 - 16 / 8);
    expect(seen.every((t) => t === 4)).toBe(true); // on-policy learners get the batch just collected
    // The first learning batch (frames 24): its steps, then the end of the iteration.
    const firstLearn = order.indexOf("preOptimSteps");
    expect(order.slice(firstLearn - 1, firstLearn + 3)).toEqual([
      "batchProcess",
      "preOptimSteps",
      "postLoss",
      "postOptimSteps",
    ]);
    expect(order.filter((s) => s === "postEval")).toHaveLength(3);
    expect(order.filter((s) => s === "checkpoint")).toHaveLength(3);
    expect(() => trainer.register("nope" as "log", () => {})).toThrow('Trainer.register: unknown stage "nope"');
  });

  it("a resumed run keeps its totals (wall time, last evaluation) and ends where an uninterrupted one does", async () => {
    await initBackend({ prefer: "cpu" });
    const whole = await makeTrainer().trainer.train();
    const first = makeTrainer({ stopAtFrames: 64 });
    let saved: TrainerState | null = null;
    first.trainer.register("checkpoint", (s) => {
      saved = s;
    });
    const part = await first.trainer.train();
    expect(part.state.frames).toBe(64);
    const state = saved as unknown as TrainerState;
    expect(state.lastEval).not.toBeNull();
    state.seconds += 1000; // as if the first part had run long
    const second = makeTrainer();
    const records: number[] = [];
    second.trainer.register("log", (r) => void records.push(r.seconds));
    const resumed = await second.trainer.train(JSON.parse(JSON.stringify(state)) as TrainerState);
    expect(resumed.state.frames).toBe(96);
    expect(resumed.seconds).toBeGreaterThan(1000);
    expect(records.every((s) => s > 1000)).toBe(true);
    expect(resumed.lastEval).toEqual(whole.lastEval);
    expect(resumed.state.bestEval).toBe(whole.state.bestEval);
    expect(resumed.state.updates).toBe(whole.state.updates);
    expect(resumed.state.episodes).toBe(whole.state.episodes);
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });

  it("a finished run and its resume report the same wall time, however long the last checkpoint took to write", async () => {
    await initBackend({ prefer: "cpu" });
    const { trainer } = makeTrainer();
    let saved: TrainerState | null = null;
    trainer.register("checkpoint", async (s) => {
      saved = s;
      await new Promise((resolve) => setTimeout(resolve, 300)); // a slow disk
    });
    const finished = await trainer.train();
    const state = saved as unknown as TrainerState;
    expect(state.frames).toBe(96);
    expect(finished.seconds).toBe(state.seconds);
    const again = makeTrainer().trainer;
    again.register("checkpoint", () => {});
    const resumed = await again.train(JSON.parse(JSON.stringify(state)) as TrainerState);
    expect(resumed.state.frames).toBe(96);
    expect(resumed.seconds).toBe(finished.seconds);
  });

  it("refuses a config the collector does not match", () => {
    const env = new CartPoleEnv({ batchSize: [2], seed: 0 });
    const collector = new SyncDataCollector(env, (td: TensorDict) => env.randAction(td), { framesPerBatch: 8 });
    const learner = { updates: 0, resumeAt() {}, update: () => ({ loss: 0, gradNorm: 0, meanTdError: 0 }) };
    expect(
      () => new Trainer({ ...config, stepsPerBatch: 8 }, { collector, stats: new EpisodeStats(2), learner }),
    ).toThrow("the collector steps 4 steps per sub-env a batch, the config says stepsPerBatch 8");
    expect(
      () => new Trainer({ ...config, totalFrames: 0 }, { collector, stats: new EpisodeStats(2), learner }),
    ).toThrow("totalFrames must be an integer >= 1, got 0");
  });
});
