import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { LSTMModule, MLP, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
import { LazyTensorStorage, PrioritizedSliceSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { RecurrentDQNLoss } from "./recurrent-dqn-loss";

const F = 3;
const H = 6;
const A = 2;
const GAMMA = 0.9;
/** Three slices as SliceSampler({ strictLength: false }) cuts them: 4 steps, 2 steps (terminated), 1 step. */
const LENGTHS = [4, 2, 1];
const T = Math.max(...LENGTHS);

function makeNet(): TensorDictSequential {
  const lstm = new LSTMModule({
    inputSize: F,
    hiddenSize: H,
    inKey: "embed",
    outKey: "features",
    mode: "sequence",
    rng: new Rng(1),
  });
  const head = new TensorDictModule(new MLP({ inFeatures: H, outFeatures: A, numCells: [], rng: new Rng(2) }), {
    inKeys: ["features"],
    outKeys: ["action_value"],
  });
  const embed = new TensorDictModule(new MLP({ inFeatures: F, outFeatures: F, numCells: [], rng: new Rng(3) }), {
    inKeys: ["observation"],
    outKeys: ["embed"],
  });
  return new TensorDictSequential(embed, lstm, head);
}

interface Slice {
  obs: number[][];
  nextObs: number[][];
  action: number[];
  reward: number[];
  terminated: number[];
}

function makeSlices(): Slice[] {
  const rng = new Rng(9);
  return LENGTHS.map((len, s) => {
    const steps = Array.from({ length: len + 1 }, () => Array.from({ length: F }, () => rng.normal()));
    return {
      obs: steps.slice(0, len),
      nextObs: steps.slice(1),
      action: Array.from({ length: len }, () => rng.int(0, A)),
      reward: Array.from({ length: len }, () => rng.normal()),
      terminated: Array.from({ length: len }, (_, t) => (s === 1 && t === len - 1 ? 1 : 0)),
    };
  });
}

/** Slices as rows of `t` steps (`t` >= every length), padded with `pad` (a step's value) and masked when any is shorter. */
function rows(slices: Slice[], t: number, pad: (s: number) => number[] | null): TensorDict {
  const b = slices.length;
  const f = (get: (sl: Slice, k: number) => number[], width: number, s: number, k: number): number[] =>
    k < slices[s]!.obs.length ? get(slices[s]!, k) : (pad(s)?.slice(0, width) ?? new Array<number>(width).fill(0));
  const cols = (get: (sl: Slice, k: number) => number[], width: number): number[] =>
    Array.from({ length: b }, (_, s) => Array.from({ length: t }, (_, k) => f(get, width, s, k))).flat(2);
  const valid = slices.flatMap((sl) => Array.from({ length: t }, (_, k) => (k < sl.obs.length ? 1 : 0)));
  const last = slices.flatMap((sl) => Array.from({ length: t }, (_, k) => (k === sl.obs.length - 1 ? 1 : 0)));
  const td = new TensorDict(
    {
      observation: HostArray.from(
        "float32",
        [b, t, F],
        cols((sl, k) => sl.obs[k]!, F),
      ),
      is_init: HostArray.from(
        "bool",
        [b, t, 1],
        slices.flatMap(() => Array.from({ length: t }, (_, k) => (k === 0 ? 1 : 0))),
      ),
      action: HostArray.from(
        "int32",
        [b, t],
        cols((sl, k) => [sl.action[k]!], 1),
      ),
      next: {
        observation: HostArray.from(
          "float32",
          [b, t, F],
          cols((sl, k) => sl.nextObs[k]!, F),
        ),
        reward: HostArray.from(
          "float32",
          [b, t, 1],
          cols((sl, k) => [sl.reward[k]!], 1),
        ),
        // Padding garbage (1000) becomes true: bool leaves cannot hold it as it is.
        terminated: HostArray.from(
          "bool",
          [b, t, 1],
          cols((sl, k) => [sl.terminated[k]!], 1),
          { onOutOfRange: "clamp" },
        ),
        truncated: HostArray.from("bool", [b, t, 1], last),
        done: HostArray.from("bool", [b, t, 1], last),
      },
    },
    [b, t],
  );
  if (valid.includes(0)) td.set("mask", HostArray.from("bool", [b, t], valid));
  return td;
}

/** The slices concatenated into one flat [N] batch, as SliceSampler({ strictLength: false }) returns them. */
function flat(slices: Slice[]): TensorDict {
  const parts = slices.map((sl) => rows([sl], sl.obs.length, () => null).reshape([sl.obs.length]));
  return TensorDict.cat(parts, 0);
}

/** Loss value and gradients (by parameter order) of `loss` on `td`. */
function lossAndGrads(loss: RecurrentDQNLoss, td: TensorDict): { value: number; grads: Float32Array[] } {
  const { value, grads } = tf.variableGrads(
    () => loss.forward(td).getTensor("loss") as tf.Scalar,
    loss.parameterList(),
  );
  const out = {
    value: value.dataSync()[0]!,
    grads: loss.parameterList().map((v) => grads[v.name]!.dataSync() as Float32Array),
  };
  tf.dispose([value, grads]);
  return out;
}

/**
 * The reference: every slice alone, unpadded and unmasked, with reduction "sum"; the mean is the sum over
 * slices divided by the number of trained steps. Slices no longer than burnIn train nothing.
 */
function reference(
  net: TensorDictSequential,
  slices: Slice[],
  burnIn: number,
): { value: number; grads: number[][]; tdError: number[][] } {
  const loss = new RecurrentDQNLoss(net, { gamma: GAMMA, reduction: "sum", burnIn });
  let value = 0;
  let count = 0;
  const grads = loss.parameterList().map((v) => new Array<number>(v.size).fill(0));
  const tdError: number[][] = [];
  for (const sl of slices) {
    const len = sl.obs.length;
    if (len <= burnIn) {
      tdError.push(new Array<number>(len).fill(0));
      continue;
    }
    const td = rows([sl], len, () => null);
    const r = lossAndGrads(loss, td);
    value += r.value;
    count += len - burnIn;
    r.grads.forEach((g, i) => g.forEach((x, j) => (grads[i]![j]! += x)));
    tdError.push([...td.getHost("td_error").data]);
  }
  loss.dispose();
  return { value: value / count, grads: grads.map((g) => g.map((x) => x / count)), tdError };
}

/** The network's parameters in float64, by role (PyTorch layouts: weights [out, in], LSTM gates i, f, g, o). */
interface Params {
  we: number[][];
  be: number[];
  wih: number[][];
  whh: number[][];
  bih: number[];
  bhh: number[];
  wo: number[][];
  bo: number[];
}

function readParams(net: TensorDictSequential): Params {
  const p = net.parameters();
  const get = (name: string) => p.get(name)!.arraySync() as never;
  return {
    we: get("0.0.weight"),
    be: get("0.0.bias"),
    wih: get("1.weight_ih_l0"),
    whh: get("1.weight_hh_l0"),
    bih: get("1.bias_ih_l0"),
    bhh: get("1.bias_hh_l0"),
    wo: get("2.0.weight"),
    bo: get("2.0.bias"),
  };
}

/** The same parameters flattened in `net.parameters()` order, and back. */
const ORDER = ["we", "be", "wih", "whh", "bih", "bhh", "wo", "bo"] as const;
function flatParams(p: Params): number[] {
  return ORDER.flatMap((k) => (p[k] as (number | number[])[]).flat());
}
function withValue(p: Params, at: number, value: number): Params {
  const out = JSON.parse(JSON.stringify(p)) as Params;
  let i = at;
  for (const k of ORDER) {
    const arr = out[k] as (number | number[])[];
    const size = arr.flat().length;
    if (i < size) {
      if (Array.isArray(arr[0])) {
        const cols = (arr[0] as number[]).length;
        (arr[Math.floor(i / cols)] as number[])[i % cols] = value;
      } else arr[i] = value;
      return out;
    }
    i -= size;
  }
  throw new Error(`no parameter ${at}`);
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const linear = (w: number[][], b: number[], x: number[]): number[] =>
  w.map((row, i) => row.reduce((s, wij, j) => s + wij * x[j]!, b[i]!));

/** One LSTM step of the whole network (embed, LSTM cell) in float64. */
function cellStep(p: Params, obs: number[], h: number[], c: number[]): [number[], number[]] {
  const e = linear(p.we, p.be, obs);
  const a = linear(p.wih, p.bih, e).map((x, i) => x + linear(p.whh, p.bhh, h)[i]!);
  const c2 = c.map((cj, j) => sigmoid(a[H + j]!) * cj + sigmoid(a[j]!) * Math.tanh(a[2 * H + j]!));
  return [c2.map((cj, j) => sigmoid(a[3 * H + j]!) * Math.tanh(cj)), c2];
}

/**
 * R2D2's masked DQN loss over the real steps of each slice, from scratch in float64: the online state runs
 * from zeros, with `burn` parameters (held fixed: no gradient) over the first `burnIn` steps; the target of
 * step t is r + gamma (1 - terminated) max_a Q_target(next_t | target state after step t).
 */
function handLoss(
  online: Params,
  target: Params,
  burn: Params,
  slices: Slice[],
  burnIn: number,
): { loss: number; tdError: number[][] } {
  let sum = 0;
  let count = 0;
  const tdError: number[][] = [];
  for (const sl of slices) {
    let [h, c] = [new Array<number>(H).fill(0), new Array<number>(H).fill(0)];
    let [ht, ct] = [h, c];
    const errs: number[] = [];
    sl.obs.forEach((obs, t) => {
      [h, c] = cellStep(t < burnIn ? burn : online, obs, h, c);
      [ht, ct] = cellStep(target, obs, ht, ct);
      if (t < burnIn) return errs.push(0);
      const q = linear(online.wo, online.bo, h)[sl.action[t]!]!;
      const v = Math.max(...linear(target.wo, target.bo, cellStep(target, sl.nextObs[t]!, ht, ct)[0]));
      const y = sl.reward[t]! + GAMMA * (1 - sl.terminated[t]!) * v;
      sum += (q - y) ** 2;
      count++;
      return errs.push(Math.abs(y - q));
    });
    tdError.push(errs);
  }
  return { loss: sum / count, tdError };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(tol * Math.max(1, Math.abs(expected[i]!)));
}

describe("RecurrentDQNLoss with padded / concatenated slices", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
  });

  for (const burnIn of [0, 1, 2]) {
    it(`burnIn ${burnIn}: a flat batch of slices and the padded [B, T] batch with a mask both equal the slices run alone`, () => {
      const net = makeNet();
      const slices = makeSlices();
      const ref = reference(net, slices, burnIn);
      const loss = new RecurrentDQNLoss(net, { gamma: GAMMA, burnIn });
      const before = tf.memory().numTensors;

      const flatTd = flat(slices);
      const f = lossAndGrads(loss, flatTd);
      expectClose([f.value], [ref.value]);
      f.grads.forEach((g, i) => expectClose(g, ref.grads[i]!));
      expect(flatTd.getHost("td_error").shape).toEqual([LENGTHS.reduce((s, l) => s + l, 0)]);
      expectClose(flatTd.getHost("td_error").data, ref.tdError.flat());

      // Padding with garbage (huge observations, an out-of-range action) changes nothing: the LSTM runs over it, the loss ignores it.
      const padded = rows(slices, T, () => [1e3, -1e3, 1e3]);
      padded.getHost("action").data.set([5], T * 2 - 1);
      const p = lossAndGrads(loss, padded);
      expectClose([p.value], [ref.value]);
      p.grads.forEach((g, i) => expectClose(g, ref.grads[i]!));
      expectClose(
        padded.getHost("td_error").data,
        ref.tdError.flatMap((e) => [...e, ...new Array<number>(T - e.length).fill(0)]),
      );
      expect(tf.memory().numTensors).toBe(before);
      loss.dispose();
    });
  }

  for (const burnIn of [0, 1]) {
    it(`burnIn ${burnIn}: loss, td_error and every gradient of a padded batch match a float64 hand computation (gradients by central differences)`, () => {
      const net = makeNet();
      const slices = makeSlices();
      const loss = new RecurrentDQNLoss(net, { gamma: GAMMA, burnIn });
      const p = readParams(net);
      const ref = handLoss(p, p, p, slices, burnIn);
      const padded = rows(slices, T, () => [1e3, -1e3, 1e3]);
      const r = lossAndGrads(loss, padded);
      expectClose([r.value], [ref.loss], 1e-5);
      expectClose(
        padded.getHost("td_error").data,
        ref.tdError.flatMap((e) => [...e, ...new Array<number>(T - e.length).fill(0)]),
        1e-4,
      );
      const values = flatParams(p);
      const eps = 1e-6;
      const numeric = values.map(
        (x, i) =>
          (handLoss(withValue(p, i, x + eps), p, p, slices, burnIn).loss -
            handLoss(withValue(p, i, x - eps), p, p, slices, burnIn).loss) /
          (2 * eps),
      );
      const analytic = r.grads.flatMap((g) => [...g]);
      expect(analytic.length).toBe(numeric.length);
      expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(0.05); // the check is not vacuous
      for (let i = 0; i < numeric.length; i++)
        expect(Math.abs(analytic[i]! - numeric[i]!)).toBeLessThan(2e-4 * Math.max(1, Math.abs(numeric[i]!)));
      loss.dispose();
    });
  }

  for (const burnIn of [0, 1]) {
    it(`burnIn ${burnIn}: a flat batch holding tensors gives the same loss and gradients and frees the copies it gathers`, () => {
      const net = makeNet();
      const slices = makeSlices();
      const loss = new RecurrentDQNLoss(net, { gamma: GAMMA, burnIn });
      const expected = lossAndGrads(loss, flat(slices));
      const td = flat(slices);
      const obs = td.getHost("observation");
      td.set("observation", tf.tensor(obs.data, [...obs.shape]));
      const before = tf.memory().numTensors;
      const r = lossAndGrads(loss, td); // inside tf.variableGrads' own scope
      expect(tf.memory().numTensors).toBe(before);
      loss.forward(td).dispose(); // outside any scope
      expect(tf.memory().numTensors).toBe(before);
      expectClose([r.value], [expected.value]);
      r.grads.forEach((g, i) => expectClose(g, expected.grads[i]!));
      td.dispose();
      loss.dispose();
    });
  }

  it("trains on (Prioritized)SliceSampler({ strictLength: false }) batches from a replay buffer, flat or padded, and updates only real steps' priorities", () => {
    const net = makeNet();
    const loss = new RecurrentDQNLoss(net, { gamma: GAMMA });
    const n = 40;
    const rng = new Rng(4);
    const done = HostArray.zeros("bool", [n, 1]);
    for (const end of [2, 9, 12, 30]) done.data[end] = 1; // episodes of 3, 7, 3, 18 and 9 steps
    const data = new TensorDict(
      {
        observation: HostArray.from(
          "float32",
          [n, F],
          Array.from({ length: n * F }, () => rng.normal()),
        ),
        action: HostArray.from(
          "int32",
          [n],
          Array.from({ length: n }, () => rng.int(0, A)),
        ),
        next: {
          observation: HostArray.from(
            "float32",
            [n, F],
            Array.from({ length: n * F }, () => rng.normal()),
          ),
          reward: HostArray.from(
            "float32",
            [n, 1],
            Array.from({ length: n }, () => rng.normal()),
          ),
          terminated: done,
          done,
        },
      },
      [n],
    );
    for (const padOutput of [false, true]) {
      const sampler = new PrioritizedSliceSampler({
        sliceLen: 8,
        strictLength: false,
        padOutput,
        maxCapacity: 100,
        alpha: 1,
        beta: 0.5,
        eps: 0,
        rng: new Rng(1),
      });
      const rb = new TensorDictReplayBuffer({ storage: new LazyTensorStorage(100), sampler, batchSize: 32 });
      rb.extend(data);
      const batch = rb.sample();
      expect(batch.batchSize).toEqual(padOutput ? [4, 8] : [batch.numel]);
      if (!padOutput) expect(batch.numel).toBeLessThan(32); // the 3-step episodes give short slices
      const { value, grads } = tf.variableGrads(
        () => loss.forward(batch).getTensor("loss") as tf.Scalar,
        loss.parameterList(),
      );
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      tf.dispose([value, grads]);
      const err = batch.getHost("td_error");
      expect(err.shape).toEqual(batch.batchSize);
      rb.updateTensorDictPriority(batch);
      // Every real step's priority is its own |td error|: padding (td_error 0, repeating an index) overwrote none.
      const index = batch.getHost("index").data;
      const mask = padOutput ? batch.getHost("mask").data : null;
      const real = new Map<number, number>(); // index -> |td error| of its last real occurrence (slices may overlap)
      let padded = 0;
      for (let i = 0; i < index.length; i++) {
        if (mask !== null && mask[i] === 0) padded++;
        else real.set(index[i]!, err.data[i]!);
      }
      for (const [i, e] of real) {
        expect(e).toBeGreaterThan(0);
        expect(sampler.priorityOf(i)).toBeCloseTo(e, 5);
      }
      if (padOutput) expect(padded).toBeGreaterThan(0);
    }
    loss.dispose();
  });
});
