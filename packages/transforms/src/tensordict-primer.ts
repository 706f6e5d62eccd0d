import {
  checkOptions,
  type OptionKeys,
  Composite,
  HostArray,
  type TensorDict,
  type TensorSpec,
  formatShape,
  shapesEqual,
  type DType,
  type Shape,
} from "@tdrl/tensordict";
import { Transform } from "./transform";

const TENSOR_DICT_PRIMER_OPTION_KEYS = {
  specs: true,
  defaultValue: true,
} satisfies OptionKeys<TensorDictPrimerOptions>;

export interface TensorDictPrimerOptions {
  /**
   * The keys to add and their specs. Leaf shapes are per sub-env (batch size `[]`, e.g. an LSTM state
   * `[numLayers, hidden]`) and get the env's batch dims prepended; a Composite whose batch size equals
   * the env's is used as it is.
   */
  specs: Composite;
  /** The value every entry is filled with at a reset (default 0). */
  defaultValue?: number;
}

/**
 * What `TensorDictPrimer.fromModule` reads: a module that describes its recurrent state as specs
 * (`LSTMModule` / `GRUModule` of `@tdrl/modules`). Structural, so transforms does not depend on modules.
 */
export interface RecurrentStateSource {
  /** A batch-less Composite of the state entries, e.g. `[numLayers, hiddenSize]` float32 leaves. */
  recurrentStateSpecs(): Composite;
}

interface Primed {
  readonly key: string;
  readonly spec: TensorSpec;
  /** The shape after the batch dims. */
  readonly event: Shape;
}

/**
 * Adds entries that the env does not produce but a policy needs at every step (TorchRL's
 * `TensorDictPrimer`), typically a recurrent state: the keys go into the observation spec, a reset record
 * holds them filled with `defaultValue` (only the reset sub-envs' rows on a partial reset; the others
 * keep the caller's values), and a step's `"next"` record keeps what the policy wrote to
 * `td.next.<key>`, or else the root's value. So `stepMdp` carries `["next", "recurrent_state_h"]` to the
 * next root's `recurrent_state_h`, and a reset zero-fills it.
 *
 * `TensorDictPrimer.fromModule(lstm)` builds one from a recurrent module's `recurrentStateSpecs()` (TorchRL's
 * `lstm.make_tensordict_primer()`): a batch-less Composite of `[numLayers, hiddenSize]` float32 leaves.
 *
 * @example
 * import { CartPoleEnv } from "@tdrl/envs";
 * import { Composite, Unbounded } from "@tdrl/tensordict";
 * import { TensorDictPrimer, TransformedEnv } from "@tdrl/transforms";
 * const specs = new Composite({ recurrent_state_h: new Unbounded({ shape: [1, 8] }) });
 * const env = new TransformedEnv(new CartPoleEnv({ batchSize: [4] }), new TensorDictPrimer({ specs }));
 * env.reset().getHost("recurrent_state_h").shape; // [4, 1, 8], all zeros
 */
export class TensorDictPrimer extends Transform {
  readonly specs: Composite;
  readonly defaultValue: number;
  private readonly primed: readonly Primed[];

  constructor(options: TensorDictPrimerOptions) {
    checkOptions("TensorDictPrimer", options, TENSOR_DICT_PRIMER_OPTION_KEYS);
    const specs = options?.specs;
    if (!(specs instanceof Composite))
      throw new Error(`TensorDictPrimer: options.specs must be a Composite, got ${String(specs)}`);
    const primed = specs
      .leaves()
      .map(([key, spec]) => ({ key, spec, event: spec.shape.slice(specs.batchSize.length) }));
    if (primed.length === 0)
      throw new Error("TensorDictPrimer: options.specs has no keys; give at least one entry to prime");
    super({ inKeys: primed.map((p) => p.key) });
    const value = options.defaultValue ?? 0;
    if (!Number.isFinite(value))
      throw new Error(`TensorDictPrimer: defaultValue must be a finite number, got ${String(value)}`);
    this.specs = specs;
    this.defaultValue = value;
    this.primed = primed;
  }

  /**
   * The primer of a recurrent module's states (TorchRL's `module.make_tensordict_primer()`), zero at every
   * reset: `new TransformedEnv(env, TensorDictPrimer.fromModule(lstm))`.
   */
  static fromModule(
    module: RecurrentStateSource,
    options: Omit<TensorDictPrimerOptions, "specs"> = {},
  ): TensorDictPrimer {
    if (typeof module?.recurrentStateSpecs !== "function") {
      throw new Error(
        `TensorDictPrimer.fromModule: the module must have recurrentStateSpecs() (an LSTMModule or GRUModule), got ${String(module)}`,
      );
    }
    return new TensorDictPrimer({ ...options, specs: module.recurrentStateSpecs() });
  }

  override get name(): string {
    return "TensorDictPrimer";
  }

  override reset(input: TensorDict, record: TensorDict, mask: Uint8Array | null): TensorDict {
    const full = mask === null || mask.indexOf(0) === -1;
    const values: HostArray[] = [];
    for (const p of this.primed) {
      const shape = [...record.batchSize, ...p.event];
      if (full || !input.has(p.key)) {
        values.push(HostArray.full(p.spec.dtype, shape, this.defaultValue));
        continue;
      }
      const out = this.checked(input, p, shape, "the reset input record").clone();
      const per = out.size / mask.length;
      for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out.data.fill(this.defaultValue, i * per, (i + 1) * per);
      values.push(out);
    }
    values.forEach((v, k) => record.set(this.primed[k]!.key, v));
    return record;
  }

  override step(root: TensorDict, next: TensorDict): TensorDict {
    for (const p of this.primed) {
      if (next.has(p.key)) continue;
      if (!root.has(p.key))
        throw this.missingKey(p.key, root, 'the root record (and the step\'s "next" has none either)');
      next.set(p.key, root.get(p.key) as HostArray);
    }
    return next;
  }

  /** Adds the entries `td` lacks, filled with `defaultValue` (TorchRL's primer `forward`). */
  override forward(td: TensorDict): TensorDict {
    for (const p of this.primed) {
      if (!td.has(p.key)) td.set(p.key, HostArray.full(p.spec.dtype, [...td.batchSize, ...p.event], this.defaultValue));
    }
    return td;
  }

  override transformObservationSpec(spec: Composite): Composite {
    const batch = spec.batchSize;
    const own = this.specs.batchSize;
    if (own.length > 0 && !shapesEqual(own, batch)) {
      throw new Error(
        `TensorDictPrimer: the primer specs have batch size ${formatShape(own)}, the env has ${formatShape(batch)}; give per-sub-env specs (batch size []) or the env's batch size`,
      );
    }
    for (const p of this.primed) spec.set(p.key, own.length > 0 ? p.spec : p.spec.expand([...batch, ...p.spec.shape]));
    return spec;
  }

  private checked(record: TensorDict, p: Primed, shape: Shape, where: string): HostArray<DType> {
    const value = this.hostLeaf(record, p.key);
    if (value.dtype !== p.spec.dtype || !shapesEqual(value.shape, shape)) {
      throw new Error(
        `TensorDictPrimer: "${p.key}" in ${where} is ${value.dtype}${formatShape(value.shape)}, expected ${p.spec.dtype}${formatShape(shape)}`,
      );
    }
    return value;
  }
}
