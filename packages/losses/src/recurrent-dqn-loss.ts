import * as tf from "@tensorflow/tfjs-core";
import { checkOptions, HostArray, isHostArray, isTensor, TensorDict, type OptionKeys } from "@tdrl/tensordict";
import { keyName, type NestedKey, type TensorDictModuleBase } from "@tdrl/modules";
import { DQN_LOSS_OPTIONS, DQNLoss, type DQNLossOptions } from "./dqn-loss";
import { readSampleValues } from "./sample-values";
import { withoutTape } from "./without-tape";

export interface RecurrentDQNLossOptions extends DQNLossOptions {
  /** R2D2 burn-in: the first `burnIn` steps of every sequence only warm up the recurrent state. Default 0. */
  burnIn?: number;
  /** Default "is_init". */
  isInitKey?: NestedKey;
}

const RECURRENT_DQN_LOSS_OPTION_KEYS = {
  ...DQN_LOSS_OPTIONS,
  burnIn: true,
  isInitKey: true,
} satisfies OptionKeys<RecurrentDQNLossOptions>;

/** A recurrent state per sample (`[B, ...stateShape]` flattened) for every state key. */
type States = Map<string, { data: Float32Array; shape: readonly number[] }>;

/** A sequence pass of the value network: its scratch TensorDict (with the states after every step) and its Q-values `[m, numActions]`. */
interface SequencePass {
  scratch: TensorDict;
  q: tf.Tensor2D;
}

/** Per flat step r of `[B, T]`: `successor[r]` is the step whose inputs are next_r (r + 1), or -1; `tail` lists the -1 steps. */
export interface NextStepPlan {
  successor: Int32Array;
  tail: number[];
}

/**
 * DQN on `[B, T]` sequence batches for a recurrent value network in sequence mode (an `LSTMModule` or
 * `GRUModule` inside it). Online Q-values come from one sequence pass. The target of step t is the target
 * network's value of `next` at step t given the hidden state after step t of a target pass over the same
 * sequence, which resets the state wherever `is_init` marks an episode start: unlike TorchRL's target pass
 * over `next`, no hidden state leaks from one episode into the next, and the value after the last step
 * uses the carried state. With `burnIn = k`, the first k steps are run (online and target) only to warm up
 * the states, which are read back to the host so no gradient flows into them (R2D2), and are left out of the
 * loss; their `td_error` is 0.
 *
 * Where step t + 1 continues step t (the same inputs as `next` at t, no episode start), Q(next_t) is the
 * sequence pass's own Q at t + 1; only the other steps run one extra network step, and the target passes
 * run with the gradient tape off. The online sequence pass serves both the loss and double DQN.
 *
 * Reads, besides DQN's keys, the network's recurrent state keys at step 0 (zero when absent) and `is_init`.
 * A padding mask (see `DQNLossOptions.maskKey`) keeps padded steps out of the loss, gradients and
 * `td_error`; the network still runs over them (padding sits at the ends of rows). A flat `[N]` batch of
 * concatenated slices (`SliceSampler({ strictLength: false })`) is cut at every `is_init` into padded,
 * masked `[B, T]` rows, and its `td_error` comes back as `[N]`.
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LSTMModule, MLP, TensorDictModule, TensorDictSequential } from "@tdrl/modules";
 * const lstm = new LSTMModule({ inputSize: 3, hiddenSize: 8, inKey: "observation", outKey: "features", mode: "sequence", rng: new Rng(0) });
 * const head = new TensorDictModule(new MLP({ inFeatures: 8, outFeatures: 2, numCells: [], rng: new Rng(1) }), { inKeys: ["features"], outKeys: ["action_value"] });
 * const loss = new RecurrentDQNLoss(new TensorDictSequential(lstm, head), { burnIn: 2 });
 * const isInit = HostArray.zeros("bool", [2, 6, 1]);
 * isInit.data[0] = isInit.data[6] = isInit.data[9] = 1; // an episode starts inside the second sequence
 * const td = new TensorDict({
 *   observation: HostArray.zeros("float32", [2, 6, 3]),
 *   is_init: isInit,
 *   action: HostArray.zeros("int32", [2, 6]),
 *   next: { observation: HostArray.zeros("float32", [2, 6, 3]), reward: HostArray.full("float32", [2, 6], 1), terminated: HostArray.zeros("bool", [2, 6]) },
 * }, [2, 6]);
 * loss.forward(td).dispose();
 * td.getHost("td_error").shape; // [2, 6]
 */
export class RecurrentDQNLoss extends DQNLoss {
  override readonly name: string = "RecurrentDQNLoss";
  readonly burnIn: number;
  private readonly stateKeys: readonly string[];
  private readonly isInitKey: NestedKey;

  constructor(valueNetwork: TensorDictModuleBase, options: RecurrentDQNLossOptions = {}) {
    const what = "RecurrentDQNLoss";
    // Checked before DQNLoss copies the parameters, so a refused option leaves no tensors behind.
    checkOptions(what, options, RECURRENT_DQN_LOSS_OPTION_KEYS);
    const { burnIn = 0, isInitKey = "is_init", ...dqnOptions } = options;
    if (!(Number.isSafeInteger(burnIn) && burnIn >= 0))
      throw new Error(`${what}: burnIn must be a non-negative integer, got ${String(burnIn)}`);
    super(valueNetwork, dqnOptions);
    this.burnIn = burnIn;
    this.isInitKey = isInitKey;
    const inNames = new Set(valueNetwork.inKeys.map(keyName));
    // A recurrent module reads `state` and writes `next.state`: those pairs are the states to carry.
    this.stateKeys = valueNetwork.outKeys
      .map((k) => (typeof k === "string" ? k.split(".") : [...k]))
      .filter((parts) => parts.length === 2 && parts[0] === "next" && inNames.has(parts[1]!))
      .map((parts) => parts[1]!);
    if (this.stateKeys.length === 0) {
      throw new Error(
        `${what}: the value network writes no "next.<state>" key that it also reads (out keys: ${valueNetwork.outKeys.map(keyName).join(", ")}); it is not recurrent`,
      );
    }
  }

  override forward(td: TensorDict): TensorDict {
    const what = this.name;
    if (td.batchDims === 1) return this.forwardFlat(td);
    if (td.batchDims !== 2)
      throw new Error(
        `${what}: batch size [${td.batchSize.join(", ")}] must be [B, T] (sequences) or [N] (slices concatenated, each starting at "${keyName(this.isInitKey)}")`,
      );
    const [b, t] = td.batchSize as [number, number];
    const k = this.burnIn;
    if (t <= k) throw new Error(`${what}: sequences of ${t} steps leave nothing after burnIn ${k}`);
    if (!(td.has("next") && td.get("next") instanceof TensorDict))
      throw new Error(`${what}: key "next" is missing or not a nested TensorDict`);
    const m = b * (t - k);
    const initial = this.initialStates(td);
    const main = k === 0 ? td : td.index({}, { start: k });
    let onlineStart = initial;
    let targetStart = initial;
    let tdError: Float32Array = new Float32Array(0);
    let loss: tf.Tensor;
    try {
      if (k > 0) {
        const prefix = td.index({}, { stop: k });
        try {
          onlineStart = withoutTape(() => this.finalStates(prefix, initial));
          targetStart = withoutTape(() => this.withTargetParameters(() => this.finalStates(prefix, initial)));
        } finally {
          prefix.dispose(); // slices of tensor leaves are new tensors (host arrays stay)
        }
      }
      loss = tf.tidy(() => {
        // One online pass (on the tape) serves both the loss and double DQN's choice of the next action.
        let online: SequencePass | null = null;
        const onlinePass = (): SequencePass => (online ??= this.sequencePass(main, onlineStart, m));
        const target = this.targets(main, () => this.nextValues(main, targetStart, onlinePass, m));
        const r = this.lossFromTargets(main, () => onlinePass().q, target);
        tdError = r.tdError;
        return r.loss;
      });
    } finally {
      // The tape keeps its own references to what the backward pass needs, so the slices can go now.
      if (main !== td) main.dispose();
    }
    const full = new Float32Array(b * t);
    for (let i = 0; i < b; i++) full.set(tdError.subarray(i * (t - k), (i + 1) * (t - k)), i * t + k);
    td.set(this.keys.priority, HostArray.from("float32", [b, t], full));
    return new TensorDict({ loss }, []);
  }

  /**
   * A flat `[N]` batch of concatenated slices (`SliceSampler({ strictLength: false })`): cut into `[B, T]`
   * at every `is_init`, padded to the longest slice by repeating each slice's last step, masked, run as
   * sequences; `td_error` comes back as `[N]` in the input's order (no padding in it).
   */
  private forwardFlat(td: TensorDict): TensorDict {
    const what = this.name;
    const n = td.numel;
    if (!td.has(this.isInitKey)) {
      throw new Error(
        `${what}: a flat batch [${n}] needs "${keyName(this.isInitKey)}" to mark where each slice starts (SliceSampler writes it), or give [B, T] sequences`,
      );
    }
    const isInit = readSampleValues(td, this.isInitKey, what);
    const starts: number[] = [];
    for (let i = 0; i < n; i++) if (i === 0 || isInit[i] !== 0) starts.push(i);
    const ends = [...starts.slice(1), n];
    const t = Math.max(...starts.map((s, j) => ends[j]! - s));
    const b = starts.length;
    const index = new Array<number>(b * t);
    const valid = new Uint8Array(b * t);
    starts.forEach((s, j) => {
      for (let k = 0; k < t; k++) {
        const at = Math.min(s + k, ends[j]! - 1);
        index[j * t + k] = at;
        valid[j * t + k] = s + k < ends[j]! ? 1 : 0;
      }
    });
    const gathered = td.index(index);
    const padded = gathered.reshape([b, t]);
    const kept = new Set(padded.leaves().map(([, leaf]) => leaf));
    for (const [, leaf] of gathered.leaves()) if (isTensor(leaf) && !kept.has(leaf)) leaf.dispose(); // reshape copied it
    const maskKey = this.keys.mask.find((k) => td.has(k)) ?? this.keys.mask[0]!;
    if (padded.has(maskKey)) {
      const given = readSampleValues(padded, maskKey, what);
      for (let i = 0; i < valid.length; i++) if (given[i] === 0) valid[i] = 0;
    }
    padded.set(maskKey, new HostArray("bool", [b, t], valid));
    let out: TensorDict;
    try {
      out = this.forward(padded);
    } finally {
      padded.dispose(); // tensor leaves of `td` were gathered into new tensors; host arrays stay
    }
    const err = padded.getHost(this.keys.priority).data;
    const flat = new Float32Array(n);
    for (let i = 0; i < b * t; i++) if (valid[i] !== 0) flat[index[i]!] = Number(err[i]);
    td.set(this.keys.priority, HostArray.from("float32", [n], flat));
    return out;
  }

  /** V(next_t) for every step: target values (double DQN: chosen by the online values), on the host. */
  private nextValues(
    main: TensorDict,
    targetStart: States | null,
    onlinePass: () => SequencePass,
    m: number,
  ): Float32Array {
    const plan = this.nextStepPlan(main, m);
    const qTarget = withoutTape(() =>
      this.withTargetParameters(() => this.nextActionValues(main, this.sequencePass(main, targetStart, m), plan, m)),
    );
    const a = qTarget.length / m;
    const v = new Float32Array(m);
    if (!this.doubleDqn) {
      for (let r = 0; r < m; r++) v[r] = Math.max(...qTarget.subarray(r * a, (r + 1) * a));
      return v;
    }
    const online = onlinePass();
    const qOnline = withoutTape(() => this.nextActionValues(main, online, plan, m));
    for (let r = 0; r < m; r++) {
      // The first maximum, as tf.argMax.
      let best = 0;
      for (let j = 1; j < a; j++) if (qOnline[r * a + j]! > qOnline[r * a + best]!) best = j;
      v[r] = qTarget[r * a + best]!;
    }
    return v;
  }

  /** Runs the value network over the sequences of `source` from `start`, keeping its outputs (states after every step). */
  private sequencePass(source: TensorDict, start: States | null, m: number): SequencePass {
    const scratch = this.withStates(source, start);
    this.valueNetwork.forward(scratch);
    return { scratch, q: this.readActionValues(scratch, m) };
  }

  /**
   * Q(next_t, .) given the state after step t, on the host `[m * numActions]`. Where step t + 1 of the
   * sequence continues from step t (same inputs as next_t, no episode start) that is the sequence pass's
   * own Q at t + 1; only the other steps (episode ends, the last step) run one more step of the network
   * on their next inputs from the carried state, never reset.
   */
  private nextActionValues(main: TensorDict, pass: SequencePass, plan: NextStepPlan, m: number): Float32Array {
    const qSeq = pass.q.dataSync() as Float32Array;
    const a = pass.q.shape[1];
    const out = new Float32Array(m * a);
    for (let r = 0; r < m; r++) {
      const s = plan.successor[r]!;
      if (s >= 0) out.set(qSeq.subarray(s * a, (s + 1) * a), r * a);
    }
    const rows = plan.tail;
    if (rows.length === 0) return out;
    const next = main.get("next") as TensorDict;
    const net = this.valueNetwork;
    const present = net.inKeys.filter(
      (key) => next.has(key) && !this.isState(key) && keyName(key) !== keyName(this.isInitKey),
    );
    const tail = next
      .select(...present)
      .reshape([m])
      .index(rows)
      .reshape([rows.length, 1]);
    const index = tf.tensor1d(rows, "int32");
    for (const key of this.stateKeys) {
      const s = pass.scratch.getTensor(["next", key]);
      const rest = s.shape.slice(2);
      tail.set(key, tf.reshape(tf.gather(tf.reshape(s, [m, ...rest]), index), [rows.length, 1, ...rest]));
    }
    tail.set(this.isInitKey, HostArray.zeros("bool", [rows.length, 1, 1]));
    const qTail = this.actionValues(tail, rows.length).dataSync() as Float32Array;
    rows.forEach((r, i) => out.set(qTail.subarray(i * a, (i + 1) * a), r * a));
    return out;
  }

  /**
   * Which steps' next inputs are the following step's inputs (`successor`), and which need a step of
   * their own (`tail`). Decided from the data, not from flags: a step continues when every non-state input
   * of the network under "next" equals the root's at t + 1 and no episode starts at t + 1. (A subclass
   * returning every step as `tail` gets the plain one-step-per-next-observation path; the tests do.)
   */
  protected nextStepPlan(main: TensorDict, m: number): NextStepPlan {
    const t = main.batchSize[1]!;
    const next = main.get("next") as TensorDict;
    const isInit = main.has(this.isInitKey) ? readSampleValues(main, this.isInitKey, this.name) : null;
    // Padding repeats a slice's last step: it never continues the step before it.
    const mask = this.maskValues(main);
    const inputs: { root: ArrayLike<number>; next: ArrayLike<number>; size: number }[] = [];
    let comparable = true;
    for (const key of this.valueNetwork.inKeys) {
      if (this.isState(key) || keyName(key) === keyName(this.isInitKey)) continue;
      const inRoot = main.has(key);
      if (inRoot !== next.has(key)) comparable = false;
      if (!inRoot || !comparable) continue;
      const root = leafValues(main, key);
      const nxt = leafValues(next, key);
      if (root === null || nxt === null || root.length !== nxt.length || root.length % m !== 0) comparable = false;
      else inputs.push({ root, next: nxt, size: root.length / m });
    }
    const successor = new Int32Array(m).fill(-1);
    const tail: number[] = [];
    for (let r = 0; r < m; r++) {
      const continues =
        comparable &&
        (r % t) + 1 < t &&
        !(isInit !== null && isInit[r + 1] !== 0) &&
        !(mask !== null && mask[r + 1] === 0) &&
        inputs.every((x) => rowsEqual(x.next, r, x.root, r + 1, x.size));
      if (continues) successor[r] = r + 1;
      else tail.push(r);
    }
    return { successor, tail };
  }

  /** The states after the last step of `prefix`, read to the host (no gradient flows back into burn-in). */
  private finalStates(prefix: TensorDict, start: States | null): States {
    const [b, k] = prefix.batchSize as [number, number];
    const out: States = new Map();
    tf.tidy(() => {
      const seq = this.withStates(prefix, start);
      this.valueNetwork.forward(seq);
      for (const key of this.stateKeys) {
        const s = seq.getTensor(["next", key]);
        const shape = s.shape.slice(2);
        const size = shape.reduce((p, d) => p * d, 1);
        const all = s.dataSync() as Float32Array;
        const data = new Float32Array(b * size);
        for (let i = 0; i < b; i++) data.set(all.subarray((i * k + k - 1) * size, (i * k + k) * size), i * size);
        out.set(key, { data, shape });
      }
    });
    return out;
  }

  /** The states of `td` at step 0, or null when `td` has none (the network then starts from zeros). */
  private initialStates(td: TensorDict): States | null {
    const present = this.stateKeys.filter((key) => td.has(key));
    if (present.length === 0) return null;
    const [b, t] = td.batchSize as [number, number];
    const out: States = new Map();
    for (const key of this.stateKeys) {
      if (!td.has(key))
        throw new Error(
          `${this.name}: recurrent state "${key}" is missing while "${present[0]!}" is present; give all or none`,
        );
      const entry = td.get(key);
      if (!isHostArray(entry) && !isTensor(entry))
        throw new Error(`${this.name}: key "${key}" holds a nested TensorDict, not a leaf`);
      const shape = entry.shape.slice(2);
      const size = shape.reduce((p, d) => p * d, 1);
      const all = isHostArray(entry) ? entry.data : (entry.dataSync() as ArrayLike<number>);
      const data = new Float32Array(b * size);
      for (let i = 0; i < b; i++) for (let j = 0; j < size; j++) data[i * size + j] = Number(all[i * t * size + j]);
      out.set(key, { data, shape });
    }
    return out;
  }

  /**
   * A scratch selection of the network's inputs from `source` `[B, T]`, with the states at step 0 replaced
   * by `start` (sequence mode reads only step 0; the other steps are zeros).
   */
  private withStates(source: TensorDict, start: States | null): TensorDict {
    const present = this.valueNetwork.inKeys.filter((key) => source.has(key) && (start === null || !this.isState(key)));
    const scratch = source.select(...present);
    if (start === null) return scratch;
    const [b, t] = source.batchSize as [number, number];
    for (const [key, s] of start) {
      const size = s.data.length / b;
      const arr = HostArray.zeros("float32", [b, t, ...s.shape]);
      for (let i = 0; i < b; i++) arr.data.set(s.data.subarray(i * size, (i + 1) * size), i * t * size);
      scratch.set(key, arr);
    }
    return scratch;
  }

  private isState(key: NestedKey): boolean {
    return this.stateKeys.includes(keyName(key));
  }
}

/** A leaf's values on the host (tensors are read back), or null for a nested TensorDict. */
function leafValues(td: TensorDict, key: NestedKey): ArrayLike<number> | null {
  const entry = td.get(key);
  if (isHostArray(entry)) return entry.data;
  if (isTensor(entry)) return entry.dataSync() as ArrayLike<number>;
  return null;
}

/** Whether row `i` of `a` and row `j` of `b` (rows of `size` values) hold the same values (NaN never matches). */
function rowsEqual(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, size: number): boolean {
  const ai = i * size;
  const bj = j * size;
  for (let x = 0; x < size; x++) if (a[ai + x] !== b[bj + x]) return false;
  return true;
}
