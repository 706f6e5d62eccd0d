import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { CartPoleEnv } from "./cartpole-env";

interface ReferenceStep {
  action: number;
  obs: number[];
  state: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

interface ReferenceEpisode {
  seed: number;
  policy: string;
  initial_state: number[];
  initial_obs: number[];
  steps: ReferenceStep[];
}

// The repository root is three levels above packages/envs/src; CI checks out shared/ beside it.
const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const referenceFile = join(resolve(srcDir, "../../.."), "../shared/reference/cartpole-v1-trajectories.json");

function loadEpisodes(): ReferenceEpisode[] {
  if (!existsSync(referenceFile)) throw new Error(`CartPole reference data not found at ${referenceFile}`);
  return (JSON.parse(readFileSync(referenceFile, "utf8")) as { episodes: ReferenceEpisode[] }).episodes;
}

const STATE_TOLERANCE = 1e-12;

/** Compares one step of sub-env `i` with the reference; returns the differences as text (empty when equal). */
function compareStep(next: TensorDict, state: Float64Array, i: number, ref: ReferenceStep, where: string): string[] {
  const problems: string[] = [];
  const obs = next.getHost("observation").data;
  for (let k = 0; k < 4; k++) {
    if (obs[4 * i + k] !== Math.fround(ref.obs[k]!))
      problems.push(`${where} obs[${k}] ${obs[4 * i + k]} != ${ref.obs[k]}`);
    if (!(Math.abs(state[k]! - ref.state[k]!) <= STATE_TOLERANCE))
      problems.push(`${where} state[${k}] ${state[k]} != ${ref.state[k]}`);
  }
  const flag = (key: string) => next.getHost(key).data[i] === 1;
  if (next.getHost("reward").data[i] !== ref.reward)
    problems.push(`${where} reward ${next.getHost("reward").data[i]} != ${ref.reward}`);
  if (flag("terminated") !== ref.terminated)
    problems.push(`${where} terminated ${flag("terminated")} != ${ref.terminated}`);
  if (flag("truncated") !== ref.truncated) problems.push(`${where} truncated ${flag("truncated")} != ${ref.truncated}`);
  if (flag("done") !== (ref.terminated || ref.truncated)) problems.push(`${where} done ${flag("done")}`);
  return problems;
}

/** What one free-running step produced for one sub-env, kept to compare runs bit for bit. */
interface Produced {
  obs: number[];
  state: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

function produced(next: TensorDict, state: Float64Array, i: number): Produced {
  return {
    obs: Array.from(next.getHost("observation").data.subarray(4 * i, 4 * i + 4)),
    state: Array.from(state),
    reward: next.getHost("reward").data[i]!,
    terminated: next.getHost("terminated").data[i] === 1,
    truncated: next.getHost("truncated").data[i] === 1,
  };
}

/**
 * Runs an episode's actions from its initial state without correction, until the env reports done or the
 * actions run out.
 */
function freeRun(env: CartPoleEnv, episode: ReferenceEpisode): Produced[] {
  env.reset();
  env.setState(0, episode.initial_state);
  const out: Produced[] = [];
  let root: TensorDict = new TensorDict({});
  for (const step of episode.steps) {
    root.set("action", HostArray.from("int32", [], [step.action]));
    env.step(root);
    const p = produced(root.get("next") as TensorDict, env.getState(0), 0);
    out.push(p);
    if (p.terminated || p.truncated) break;
    root = env.stepMdp(root);
  }
  return out;
}

/**
 * Steps the reference episodes free-running agree with. The controller episodes balance an unstable
 * pendulum for 500 steps, which amplifies a difference of one ulp about e-fold every 11 steps; the reference
 * was made by a numpy whose float64 cos differs from a correctly rounded one by 1-3 ulp in a quarter of the
 * steps (every one-step difference goes away when cos is moved by at most 3 ulp), so beyond ~120 steps no
 * implementation with an ordinary cos can follow those episodes. The step-by-step test covers them fully.
 */
const FREE_RUN_STEPS = 100;

describe("CartPoleEnv against Gymnasium 1.4 CartPole-v1 trajectories", () => {
  const episodes = loadEpisodes();

  it("has the reference data: 24 episodes, some truncated at 500 and some terminated", () => {
    expect(episodes.length).toBe(24);
    expect(episodes.filter((e) => e.steps.length === 500 && e.steps.at(-1)!.truncated).length).toBe(8);
    expect(episodes.filter((e) => e.steps.at(-1)!.terminated).length).toBe(16);
  });

  it("matches every step of every episode, each from the reference's previous state", () => {
    const problems: string[] = [];
    const env = new CartPoleEnv();
    for (const [e, episode] of episodes.entries()) {
      env.reset();
      env.setState(0, episode.initial_state);
      for (let k = 0; k < 4; k++) {
        if (Math.fround(episode.initial_state[k]!) !== Math.fround(episode.initial_obs[k]!))
          problems.push(`episode ${e} initial obs[${k}]`);
      }
      let root: TensorDict = new TensorDict({});
      for (const [t, step] of episode.steps.entries()) {
        root.set("action", HostArray.from("int32", [], [step.action]));
        env.step(root);
        problems.push(
          ...compareStep(root.get("next") as TensorDict, env.getState(0), 0, step, `episode ${e} step ${t}`),
        );
        root = env.stepMdp(root);
        env.setState(0, step.state); // the step count carries on, so truncation at 500 is the env's own
      }
      // The last step ended the episode: the env must refuse another step.
      expect(() => env.step(TensorDict.from({ action: HostArray.from("int32", [], [0]) }))).toThrow("is done");
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it("is bit-exact in as many steps as the reference's cos allows, and within 4 ulp in the others", () => {
    // Bit-exact agreement tells apart orderings of the same formula that the 1e-12 tolerance cannot.
    const env = new CartPoleEnv();
    let exact = 0;
    let total = 0;
    let worst = 0;
    for (const episode of episodes) {
      env.reset();
      let previous = episode.initial_state;
      for (const step of episode.steps) {
        env.setState(0, previous, { elapsedSteps: 0 });
        env.step(TensorDict.from({ action: HostArray.from("int32", [], [step.action]) }));
        const state = env.getState(0);
        total++;
        if (state.every((v, k) => v === step.state[k])) exact++;
        for (let k = 0; k < 4; k++) worst = Math.max(worst, Math.abs(state[k]! - step.state[k]!));
        previous = step.state;
        if (step.terminated) break;
        env.reset();
      }
    }
    expect(total).toBe(4330);
    expect(exact).toBe(3172);
    expect(worst).toBeLessThanOrEqual(4.5e-16);
  });

  it("follows the terminated episodes to the end and the controller episodes for 100 steps, free-running", () => {
    const problems: string[] = [];
    const env = new CartPoleEnv();
    for (const [e, episode] of episodes.entries()) {
      const run = freeRun(env, episode);
      const terminates = episode.steps.at(-1)!.terminated;
      if (terminates) expect(run.length).toBe(episode.steps.length);
      const checked = terminates ? episode.steps.length : FREE_RUN_STEPS;
      for (let t = 0; t < checked; t++) {
        const got = run[t]!;
        const ref = episode.steps[t]!;
        for (let k = 0; k < 4; k++) {
          if (got.obs[k] !== Math.fround(ref.obs[k]!))
            problems.push(`episode ${e} step ${t} obs[${k}] ${got.obs[k]} != ${ref.obs[k]}`);
          if (!(Math.abs(got.state[k]! - ref.state[k]!) <= STATE_TOLERANCE))
            problems.push(`episode ${e} step ${t} state[${k}]`);
        }
        if (got.reward !== ref.reward || got.terminated !== ref.terminated || got.truncated !== ref.truncated)
          problems.push(`episode ${e} step ${t} flags`);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it("matches every step in a batched env holding all episodes, resetting each one as it ends", () => {
    const n = episodes.length;
    const env = new CartPoleEnv({ batchSize: [n], seed: 3 });
    let root = env.reset();
    episodes.forEach((episode, i) => env.setState(i, episode.initial_state));
    const longest = Math.max(...episodes.map((e) => e.steps.length));
    const problems: string[] = [];
    let compared = 0;
    for (let t = 0; t < longest; t++) {
      // Finished episodes keep running from fresh resets; their actions and results are ignored.
      root.set(
        "action",
        HostArray.from(
          "int32",
          [n],
          episodes.map((e) => e.steps[t]?.action ?? 0),
        ),
      );
      const [stepped, nextRoot] = env.stepAndMaybeReset(root);
      const next = stepped.get("next") as TensorDict;
      episodes.forEach((episode, i) => {
        const ref = episode.steps[t];
        if (ref === undefined) return;
        compared++;
        // After a done step the sub-env is reset already: its float64 state is checked through the obs only.
        const done = ref.terminated || ref.truncated;
        problems.push(
          ...compareStep(next, done ? Float64Array.from(ref.state) : env.getState(i), i, ref, `episode ${i} step ${t}`),
        );
        if (!done) env.setState(i, ref.state);
      });
      root = nextRoot;
    }
    expect(compared).toBe(episodes.reduce((s, e) => s + e.steps.length, 0));
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it("a batched env free-running all episodes produces bit for bit what single envs do", () => {
    const n = episodes.length;
    const single = episodes.map((episode) => freeRun(new CartPoleEnv(), episode));
    const env = new CartPoleEnv({ batchSize: [n] });
    let root = env.reset();
    episodes.forEach((episode, i) => env.setState(i, episode.initial_state));
    const batched: Produced[][] = episodes.map(() => []);
    const finished = new Array<boolean>(n).fill(false);
    for (let t = 0; !finished.every(Boolean); t++) {
      root.set(
        "action",
        HostArray.from(
          "int32",
          [n],
          episodes.map((e) => e.steps[t]?.action ?? 0),
        ),
      );
      const [stepped, nextRoot] = env.stepAndMaybeReset(root);
      for (let i = 0; i < n; i++) {
        if (finished[i]) continue;
        const p = produced(stepped.get("next") as TensorDict, env.getState(i), i);
        if (p.terminated || p.truncated) p.state = single[i]!.at(-1)!.state; // reset already; compared through obs
        batched[i]!.push(p);
        finished[i] = p.terminated || p.truncated || t + 1 === episodes[i]!.steps.length;
      }
      root = nextRoot;
    }
    expect(batched).toEqual(single);
  });

  it("one-hot actions give the same trajectories", () => {
    const env = new CartPoleEnv({ categoricalActionEncoding: false });
    const problems: string[] = [];
    for (const [e, episode] of episodes.slice(0, 6).entries()) {
      env.reset();
      env.setState(0, episode.initial_state);
      let root: TensorDict = new TensorDict({});
      for (const [t, step] of episode.steps.entries()) {
        root.set("action", HostArray.from("bool", [2], step.action === 1 ? [0, 1] : [1, 0]));
        env.step(root);
        problems.push(
          ...compareStep(root.get("next") as TensorDict, env.getState(0), 0, step, `episode ${e} step ${t}`),
        );
        root = env.stepMdp(root);
        env.setState(0, step.state);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it("v0 truncates a 500-step episode at step 200 with the same observations", () => {
    const episode = episodes.find((e) => e.steps.length === 500)!;
    const env = new CartPoleEnv({ version: "v0" });
    env.reset();
    env.setState(0, episode.initial_state);
    let td: TensorDict = new TensorDict({});
    for (let t = 0; t < 200; t++) {
      td.set("action", HostArray.from("int32", [], [episode.steps[t]!.action]));
      env.step(td);
      const next = td.get("next") as TensorDict;
      expect(Array.from(next.getHost("observation").data)).toEqual(episode.steps[t]!.obs.map(Math.fround));
      expect(next.getHost("truncated").data[0]).toBe(t === 199 ? 1 : 0);
      expect(next.getHost("terminated").data[0]).toBe(0);
      td = env.stepMdp(td);
      env.setState(0, episode.steps[t]!.state);
    }
    expect(() => env.step(td.set("action", HostArray.from("int32", [], [0])))).toThrow(
      "CartPoleEnv.step(): the sub-env at batch index [] is done",
    );
  });

  it("suttonBartoReward gives 0 per step and -1 on the terminating step", () => {
    const episode = episodes.find((e) => e.steps.at(-1)!.terminated)!;
    const env = new CartPoleEnv({ suttonBartoReward: true });
    env.reset();
    env.setState(0, episode.initial_state);
    const rewards: number[] = [];
    let td: TensorDict = new TensorDict({});
    for (const step of episode.steps) {
      td.set("action", HostArray.from("int32", [], [step.action]));
      env.step(td);
      rewards.push(td.getHost("next.reward").data[0]!);
      td = env.stepMdp(td);
      env.setState(0, step.state);
    }
    expect(rewards).toEqual([...new Array<number>(episode.steps.length - 1).fill(0), -1]);
  });
});
