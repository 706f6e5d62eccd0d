import * as tf from "@tensorflow/tfjs-core";
import { CartPoleEnv, stepMdp } from "@tdrl/envs";
import { HostArray, Rng, TensorDict, Unbounded } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { TensorDictPrimer, TransformedEnv } from "@tdrl/transforms";
import { beforeAll, describe, expect, it } from "vitest";
import { flat, loadGolden, maxAbsDiff, type LstmGolden } from "../test/golden";
import { LSTMModule } from "./lstm-module";
import type { LstmRecurrence } from "./lstm-sequence-kernel";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

const golden = loadGolden();
const g: LstmGolden = golden.lstm;
const B = g.batch;
const T = g.steps;
const I = g.input_size;
const H = g.hidden_size;

function goldenModule(mode: "step" | "sequence", recurrence: LstmRecurrence = "auto"): LSTMModule {
  const m = new LSTMModule({ inputSize: I, hiddenSize: H, inKey: "x", outKey: "y", mode, rng: new Rng(3), recurrence });
  const p = m.parameters();
  const set = (name: string, values: number[]) =>
    tf.tidy(() => p.get(name)!.assign(tf.tensor(values, p.get(name)!.shape)));
  set("weight_ih_l0", flat(g.weight_ih));
  set("weight_hh_l0", flat(g.weight_hh));
  set("bias_ih_l0", flat(g.bias_ih));
  set("bias_hh_l0", flat(g.bias_hh));
  return m;
}

/** [B, T, 1, H] state entries holding h0/c0 at step 0 (only step 0 is read in sequence mode). */
function stateAtStart(values: number[]): HostArray<"float32"> {
  const out = HostArray.zeros("float32", [B, T, 1, H]);
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) out.data[b * T * H + j] = values[b * H + j]!;
  return out;
}

function sequenceTd(isInit: number[] | null): TensorDict {
  const td = new TensorDict(
    {
      x: HostArray.from("float32", [B, T, I], flat(g.x)),
      recurrent_state_h: stateAtStart(flat(g.h0)),
      recurrent_state_c: stateAtStart(flat(g.c0)),
    },
    [B, T],
  );
  td.set("is_init", isInit === null ? HostArray.zeros("bool", [B, T, 1]) : HostArray.from("bool", [B, T, 1], isInit));
  return td;
}

function lastStep(state: tf.Tensor): number[] {
  return tf.tidy(() => Array.from(tf.slice(state, [0, T - 1, 0, 0], [B, 1, 1, H]).dataSync()));
}

describe("LSTMModule against PyTorch (golden.json)", () => {
  // On wasm the fused kernel (lstm-sequence-kernel.ts) runs the recurrence ("auto"); "per-step" the per-step path.
  it.each(["auto", "per-step"] as const)(
    "matches outputs, final states and all gradients of nn.LSTM to 1e-5 (recurrence %s)",
    (path) => {
      {
        const m = goldenModule("sequence", path);
        const td = sequenceTd(null);
        const weight = tf.tensor(flat(g.output_weight), [B, T, H]);
        const params = m.parameters();
        const { value, grads } = tf.variableGrads(() => {
          m.forward(td);
          // variableGrads frees what the loss was computed from; keep the outputs to compare them.
          for (const key of ["y", "next.recurrent_state_h", "next.recurrent_state_c"]) tf.keep(td.getTensor(key));
          return tf.sum(tf.mul(td.getTensor("y"), weight)) as tf.Scalar;
        });
        const errors = {
          output: maxAbsDiff(td.getTensor("y").dataSync(), flat(g.output)),
          h_n: maxAbsDiff(lastStep(td.getTensor(["next", "recurrent_state_h"])), flat(g.h_n)),
          c_n: maxAbsDiff(lastStep(td.getTensor(["next", "recurrent_state_c"])), flat(g.c_n)),
          grad_weight_ih: maxAbsDiff(grads[params.get("weight_ih_l0")!.name]!.dataSync(), flat(g.grad_weight_ih)),
          grad_weight_hh: maxAbsDiff(grads[params.get("weight_hh_l0")!.name]!.dataSync(), flat(g.grad_weight_hh)),
          grad_bias_ih: maxAbsDiff(grads[params.get("bias_ih_l0")!.name]!.dataSync(), flat(g.grad_bias_ih)),
          grad_bias_hh: maxAbsDiff(grads[params.get("bias_hh_l0")!.name]!.dataSync(), flat(g.grad_bias_hh)),
        };
        console.log(`LSTM golden max abs errors (${path})`, errors);
        for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThan(1e-5);
        tf.dispose([value, weight, ...Object.values(grads)]);
        td.dispose();
        m.dispose();
      }
    },
  );

  it("withRecurrence shares the parameters and runs the other path: equal to 1e-6, not bit for bit; bad values refused", () => {
    const fused = goldenModule("sequence");
    const perStep = fused.withRecurrence("per-step");
    expect(perStep.parameters().get("weight_hh_l0")).toBe(fused.parameters().get("weight_hh_l0"));
    const outputs = [fused, perStep].map((m) => {
      const td = sequenceTd(null);
      m.forward(td);
      const y = Array.from(td.getTensor("y").dataSync());
      td.dispose();
      return y;
    });
    expect(maxAbsDiff(outputs[0]!, outputs[1]!)).toBeLessThan(1e-6);
    // The two paths sum in different orders: identical floats would mean the option was ignored.
    if (tf.getBackend() === "wasm") expect(outputs[0]).not.toEqual(outputs[1]);
    expect(
      () =>
        new LSTMModule({
          inputSize: 2,
          hiddenSize: 2,
          inKey: "x",
          outKey: "y",
          recurrence: "fused" as unknown as LstmRecurrence,
        }),
    ).toThrow(`LSTMModule: recurrence must be "auto" or "per-step", got "fused"`);
    fused.dispose(); // and so the parameters perStep shares
  });

  it("zeroes the state at every is_init inside a sequence (lstm_with_resets)", () => {
    const m = goldenModule("sequence");
    const td = sequenceTd(flat(golden.lstm_with_resets.is_init));
    m.forward(td);
    const err = maxAbsDiff(td.getTensor("y").dataSync(), flat(golden.lstm_with_resets.output));
    console.log("LSTM with resets max abs error", err);
    expect(err).toBeLessThan(1e-5);
    td.dispose();
    m.dispose();
  });

  it("step mode gives the same outputs as sequence mode on the same data", () => {
    const seq = goldenModule("sequence");
    const step = seq.withMode("step");
    expect(step.parameters().get("weight_ih_l0")).toBe(seq.parameters().get("weight_ih_l0"));
    const isInit = flat(golden.lstm_with_resets.is_init);
    const x = flat(g.x);
    let h = HostArray.zeros("float32", [B, 1, H]) as HostArray<"float32">;
    let c = HostArray.zeros("float32", [B, 1, H]) as HostArray<"float32">;
    const outputs = new Float32Array(B * T * H);
    for (let t = 0; t < T; t++) {
      const xt = HostArray.zeros("float32", [B, I]);
      const it = HostArray.zeros("bool", [B, 1]);
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < I; i++) xt.data[b * I + i] = x[(b * T + t) * I + i]!;
        it.data[b] = isInit[b * T + t]!;
      }
      const td = new TensorDict({ x: xt, recurrent_state_h: h, recurrent_state_c: c, is_init: it }, [B]);
      step.forward(td);
      const host = td.toHost();
      td.dispose();
      const y = host.getHost("y");
      for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) outputs[(b * T + t) * H + j] = y.data[b * H + j]!;
      h = host.getHost(["next", "recurrent_state_h"]) as HostArray<"float32">;
      c = host.getHost(["next", "recurrent_state_c"]) as HostArray<"float32">;
    }
    const seqTd = sequenceTd(isInit);
    seq.forward(seqTd);
    expect(maxAbsDiff(outputs, seqTd.getTensor("y").dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(outputs, flat(golden.lstm_with_resets.output))).toBeLessThan(1e-5);
    seqTd.dispose();
    seq.dispose();
  });
});

/** A plain tape-differentiated LSTM (PyTorch's equations), the reference for the hand-written backward pass. */
function referenceLstm(m: LSTMModule, x: tf.Tensor3D, isInit: number[], state?: [tf.Tensor, tf.Tensor]): tf.Tensor {
  const [n, t] = x.shape;
  const p = m.parameters();
  let input: tf.Tensor = x;
  for (let k = 0; k < m.numLayers; k++) {
    const [wi, wh, bi, bh] = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map(
      (name) => p.get(`${name}_l${k}`)!,
    ) as tf.Tensor2D[];
    // state: [n, t, L, H] entries of which step 0 is the initial state, as the module reads them.
    const initial = (e: tf.Tensor) => tf.reshape(tf.slice(e, [0, 0, k, 0], [n, 1, 1, m.hiddenSize]), [n, m.hiddenSize]);
    let h: tf.Tensor = state === undefined ? tf.zeros([n, m.hiddenSize]) : initial(state[0]);
    let c: tf.Tensor = state === undefined ? tf.zeros([n, m.hiddenSize]) : initial(state[1]);
    const hs: tf.Tensor[] = [];
    for (let s = 0; s < t; s++) {
      const keep = tf.tensor2d(
        Array.from({ length: n }, (_, b) => (isInit[b * t + s] ? 0 : 1)),
        [n, 1],
      );
      h = tf.mul(h, keep);
      c = tf.mul(c, keep);
      const xs = tf.reshape(tf.slice(input, [0, s, 0], [n, 1, input.shape[2]!]), [n, input.shape[2]!]);
      const gates = tf.add(tf.add(tf.matMul(xs, wi!, false, true), tf.matMul(h, wh!, false, true)), tf.add(bi!, bh!));
      const [gi, gf, gg, go] = tf.split(gates, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(gf!), c), tf.mul(tf.sigmoid(gi!), tf.tanh(gg!)));
      h = tf.mul(tf.sigmoid(go!), tf.tanh(c));
      hs.push(h);
    }
    input = tf.stack(hs, 1);
  }
  return input;
}

describe("LSTMModule", () => {
  it("backpropagates through resets and stacked layers exactly as the tape does", () => {
    const m = new LSTMModule({
      inputSize: 3,
      hiddenSize: 5,
      numLayers: 2,
      inKey: "x",
      outKey: "y",
      mode: "sequence",
      rng: new Rng(4),
    });
    const n = 3;
    const t = 7;
    const x = tf.randomNormal([n, t, 3], 0, 1, "float32", 3) as tf.Tensor3D;
    const wOut = tf.randomNormal([n, t, 5], 0, 1, "float32", 4);
    const isInit = Array.from({ length: n * t }, (_, i) => (i % t === 0 || i === 10 || i === 17 || i === 18 ? 1 : 0));
    const vars = [...m.parameters().values()];
    const ours = tf.variableGrads(() => {
      const td = new TensorDict({ x, is_init: HostArray.from("bool", [n, t, 1], isInit) }, [n, t]);
      m.forward(td);
      return tf.sum(tf.mul(td.getTensor("y"), wOut)) as tf.Scalar;
    }, vars);
    const ref = tf.variableGrads(() => tf.sum(tf.mul(referenceLstm(m, x, isInit), wOut)) as tf.Scalar, vars);
    expect(Math.abs(ours.value.dataSync()[0]! - ref.value.dataSync()[0]!)).toBeLessThan(1e-5);
    for (const v of vars)
      expect(maxAbsDiff(ours.grads[v.name]!.dataSync(), ref.grads[v.name]!.dataSync()), v.name).toBeLessThan(1e-5);
    tf.dispose([x, wOut, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    m.dispose();
  });

  it("passes gradients to initial states given as tensors", () => {
    const m = new LSTMModule({
      inputSize: 2,
      hiddenSize: 3,
      numLayers: 2,
      inKey: "x",
      outKey: "y",
      mode: "sequence",
      rng: new Rng(6),
    });
    const n = 2;
    const t = 4;
    const x = tf.randomNormal([n, t, 2], 0, 1, "float32", 7) as tf.Tensor3D;
    const h0 = tf.variable(tf.randomNormal([n, t, 2, 3], 0, 1, "float32", 8));
    const c0 = tf.variable(tf.randomNormal([n, t, 2, 3], 0, 1, "float32", 9));
    const isInit = [0, 0, 1, 0, 0, 0, 0, 0];
    const ours = tf.variableGrads(() => {
      const td = new TensorDict(
        { x, recurrent_state_h: h0, recurrent_state_c: c0, is_init: HostArray.from("bool", [n, t], isInit) },
        [n, t],
      );
      m.forward(td);
      return tf.sum(tf.square(td.getTensor("y"))) as tf.Scalar;
    }, [h0, c0]);
    const ref = tf.variableGrads(() => tf.sum(tf.square(referenceLstm(m, x, isInit, [h0, c0]))) as tf.Scalar, [h0, c0]);
    for (const v of [h0, c0])
      expect(maxAbsDiff(ours.grads[v.name]!.dataSync(), ref.grads[v.name]!.dataSync()), v.name).toBeLessThan(1e-5);
    tf.dispose([x, h0, c0, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    m.dispose();
  });

  it("stacks layers, starts from zero without states, and writes every step's next state", () => {
    const m = new LSTMModule({
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      inKey: "obs",
      outKey: "out",
      mode: "sequence",
      rng: new Rng(1),
    });
    expect([...m.parameters().keys()]).toEqual([
      "weight_ih_l0",
      "weight_hh_l0",
      "bias_ih_l0",
      "bias_hh_l0",
      "weight_ih_l1",
      "weight_hh_l1",
      "bias_ih_l1",
      "bias_hh_l1",
    ]);
    expect(m.parameters().get("weight_ih_l1")!.shape).toEqual([16, 4]);
    const td = new TensorDict(
      { obs: HostArray.full("float32", [2, 5, 3], 0.5), is_init: HostArray.zeros("bool", [2, 5]) },
      [2, 5],
    );
    m.forward(td);
    expect(td.getTensor("out").shape).toEqual([2, 5, 4]);
    expect(td.getTensor(["next", "recurrent_state_h"]).shape).toEqual([2, 5, 2, 4]);
    // The last layer's h at each step is the output.
    const h = td.getTensor(["next", "recurrent_state_h"]);
    const lastLayer = tf.tidy(() => tf.reshape(tf.slice(h, [0, 0, 1, 0], [2, 5, 1, 4]), [2, 5, 4]).dataSync());
    expect(maxAbsDiff(lastLayer, td.getTensor("out").dataSync())).toBe(0);
    td.dispose();
    m.dispose();
  });

  it("describes its recurrent states as specs, from which transforms builds the primer", () => {
    const m = new LSTMModule({ inputSize: 3, hiddenSize: 4, numLayers: 2, inKey: "obs", outKey: "out" });
    const specs = m.recurrentStateSpecs();
    expect(specs.keys()).toEqual(["recurrent_state_h", "recurrent_state_c"]);
    expect(specs.get("recurrent_state_h").toString()).toBe(new Unbounded({ shape: [2, 4] }).toString());
    const primer = TensorDictPrimer.fromModule(m);
    expect(primer.specs.keys()).toEqual(["recurrent_state_h", "recurrent_state_c"]);
    expect(primer.defaultValue).toBe(0);
    m.dispose();
  });

  it("primes a CartPole env: a step-mode rollout carries the state from next to the root and zeroes it at resets", () => {
    const H = 3;
    const lstm = new LSTMModule({
      inputSize: 4,
      hiddenSize: H,
      inKey: "observation",
      outKey: "features",
      rng: new Rng(1),
    });
    const env = new TransformedEnv(new CartPoleEnv({ batchSize: [2], seed: 3 }), TensorDictPrimer.fromModule(lstm));
    let root = env.reset();
    expect(root.getHost("recurrent_state_h").shape).toEqual([2, 1, H]);
    expect(Array.from(root.getHost("recurrent_state_c").data)).toEqual(new Array<number>(2 * H).fill(0));
    const before = tf.memory().numTensors;
    let resets = 0;
    for (let i = 0; i < 80; i++) {
      const h0 = Array.from(root.getHost("recurrent_state_h").data);
      // The policy reads the root state and writes the next one; a collector moves it to the host.
      lstm.forward(root);
      const written: Record<string, number[]> = {};
      for (const key of ["recurrent_state_h", "recurrent_state_c"]) {
        const t = root.getTensor(["next", key]);
        written[key] = Array.from(t.dataSync());
        root.set(["next", key], HostArray.from("float32", [2, 1, H], t.dataSync()));
        t.dispose();
      }
      const features = root.getTensor("features");
      const f = features.dataSync();
      root.set("action", HostArray.from("int32", [2], [f[0]! > 0 ? 1 : 0, f[H]! > 0 ? 1 : 0]));
      features.dispose();
      root.delete("features");
      // The state moved: the LSTM really ran from the carried state.
      expect(maxAbsDiff(written.recurrent_state_h!, h0)).toBeGreaterThan(0);
      const stepped = env.step(root);
      expect(Array.from(stepped.getHost(["next", "recurrent_state_h"]).data)).toEqual(written.recurrent_state_h);
      root = stepMdp(stepped);
      expect(Array.from(root.getHost("recurrent_state_h").data)).toEqual(written.recurrent_state_h);
      expect(Array.from(root.getHost("recurrent_state_c").data)).toEqual(written.recurrent_state_c);
      const done = Array.from(stepped.getHost(["next", "done"]).data);
      if (done.some((d) => d !== 0)) {
        resets++;
        root = env.reset(root.set("_reset", HostArray.from("bool", [2, 1], done)));
        const h = Array.from(root.getHost("recurrent_state_h").data);
        const c = Array.from(root.getHost("recurrent_state_c").data);
        for (let b = 0; b < 2; b++) {
          const rows = (x: number[]) => x.slice(b * H, (b + 1) * H);
          expect(rows(h)).toEqual(done[b] ? new Array<number>(H).fill(0) : rows(written.recurrent_state_h!));
          expect(rows(c)).toEqual(done[b] ? new Array<number>(H).fill(0) : rows(written.recurrent_state_c!));
        }
      }
    }
    expect(resets).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    lstm.dispose();
  });

  it("names the key and shape in errors", () => {
    const m = new LSTMModule({ inputSize: 3, hiddenSize: 4, inKey: "obs", outKey: "out" });
    const td = new TensorDict({ obs: HostArray.zeros("float32", [2, 5]) }, [2]);
    expect(() => m.forward(td)).toThrow('LSTMModule(step mode): "obs" has shape [2, 5]; step mode expects [..., 3]');
    const td2 = new TensorDict(
      {
        obs: HostArray.zeros("float32", [2, 3]),
        recurrent_state_h: HostArray.zeros("float32", [2, 1, 5]),
        recurrent_state_c: HostArray.zeros("float32", [2, 1, 5]),
      },
      [2],
    );
    expect(() => m.forward(td2)).toThrow('"recurrent_state_h" has shape [2, 1, 5], expected [2, 1, 4]');
    expect(() => m.forward(new TensorDict({}, [2]))).toThrow('input key "obs" is missing');
    m.dispose();
  });

  it("refuses, in sequence mode, a 1-dim batch and a missing is_init; in any mode a non-bool is_init", () => {
    const m = new LSTMModule({ inputSize: 3, hiddenSize: 4, inKey: "obs", outKey: "out", mode: "sequence" });
    const before = tf.memory().numTensors;
    expect(() =>
      m.forward(
        new TensorDict({ obs: HostArray.zeros("float32", [8, 3]), is_init: HostArray.zeros("bool", [8]) }, [8]),
      ),
    ).toThrow(
      "LSTMModule(sequence mode): the batch size [8] has 1 dim; sequence mode needs [..., B, T] (the last dim is time). For one sequence, reshape to [1, T]",
    );
    expect(() => m.forward(new TensorDict({ obs: HostArray.zeros("float32", [2, 5, 3]) }, [2, 5]))).toThrow(
      'LSTMModule(sequence mode): "is_init" is missing (the batch has obs); sequence mode needs it to reset the hidden state where episodes start',
    );
    expect(() =>
      m.forward(
        new TensorDict(
          { obs: HostArray.zeros("float32", [2, 5, 3]), is_init: HostArray.zeros("float32", [2, 5]) },
          [2, 5],
        ),
      ),
    ).toThrow('LSTMModule(sequence mode): "is_init" has dtype float32; it must be bool (episode-start flags)');
    const step = m.withMode("step");
    expect(() =>
      step.forward(
        new TensorDict({ obs: HostArray.zeros("float32", [2, 3]), is_init: HostArray.zeros("int32", [2, 1]) }, [2]),
      ),
    ).toThrow('"is_init" has dtype int32; it must be bool');
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it("leaks no tensors over 200 forward + backward + Adam steps", () => {
    const m = new LSTMModule({
      inputSize: 3,
      hiddenSize: 8,
      numLayers: 2,
      inKey: "obs",
      outKey: "out",
      mode: "sequence",
      rng: new Rng(2),
    });
    const rng = new Rng(5);
    const obs = HostArray.zeros("float32", [2, 6, 3]);
    rng.fillNormal(obs.data);
    const isInit = HostArray.zeros("bool", [2, 6, 1]);
    isInit.data[0] = 1;
    isInit.data[9] = 1;
    const opt = tf.train.adam(1e-2);
    const vars = [...m.parameters().values()];
    const stepOnce = () => {
      const td = new TensorDict({ obs, is_init: isInit }, [2, 6]);
      const loss = opt.minimize(
        () => {
          m.forward(td);
          return tf.mean(tf.square(td.getTensor("out"))) as tf.Scalar;
        },
        true,
        vars,
      );
      const v = loss!.dataSync()[0]!;
      loss!.dispose();
      td.dispose();
      return v;
    };
    const first = stepOnce(); // Adam creates its moment variables on the first step
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 200; i++) last = stepOnce();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first);
    opt.dispose();
    m.dispose();
  });
});
