import type * as tf from "@tensorflow/tfjs-core";
import type { TensorDict } from "@tdrl/tensordict";
import { disposeUnheld, keyName, type NestedKey } from "./keys";
import { collectParameters } from "./parameters";
import type { TensorDictModuleBase } from "./tensordict-module";

export interface TensorDictSequentialOptions {
  /** Keep only these of the modules' out keys; the other intermediate outputs are freed and removed. Default: all. */
  selectOutKeys?: readonly NestedKey[];
}

/**
 * Runs modules one after the other on the same TensorDict (TorchRL's `TensorDictSequential`). `inKeys`
 * are the keys read by some module and not written by an earlier one; `outKeys` are all written keys, or
 * `selectOutKeys`. Parameters are named `"<index>.<name>"`. Unselected outputs are disposed as soon as the
 * modules have run, so do not use `selectOutKeys` inside a gradient computation whose backward pass needs
 * them (acting policies are what it is for).
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * const policy = new TensorDictSequential(
 *   new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [16], rng: new Rng(0) }), { inKeys: ["observation"], outKeys: ["action_value"] }),
 *   new QValueModule({ actionSpace: "categorical" }),
 *   { selectOutKeys: ["action"] },
 * );
 * const td = policy.forward(new TensorDict({ observation: HostArray.zeros("float32", [3, 4]) }, [3]));
 * td.has("action"); // true; "action_value" was dropped
 * td.dispose();
 */
export class TensorDictSequential implements TensorDictModuleBase {
  readonly modules: readonly TensorDictModuleBase[];
  readonly inKeys: readonly NestedKey[];
  readonly outKeys: readonly NestedKey[];
  private readonly dropKeys: readonly NestedKey[];

  constructor(...args: [...TensorDictModuleBase[], TensorDictSequentialOptions] | TensorDictModuleBase[]) {
    const last = args[args.length - 1];
    const options: TensorDictSequentialOptions =
      last !== undefined && !isModule(last) ? (args.pop() as TensorDictSequentialOptions) : {};
    const modules = args as TensorDictModuleBase[];
    if (modules.length === 0) throw new Error("TensorDictSequential: needs at least one module");
    modules.forEach((m, i) => {
      if (!isModule(m))
        throw new Error(`TensorDictSequential: argument ${i} is not a module (no forward/inKeys/outKeys)`);
    });
    this.modules = Object.freeze([...modules]);
    const written = new Set<string>();
    const inKeys: NestedKey[] = [];
    const outKeys: NestedKey[] = [];
    for (const m of modules) {
      for (const k of m.inKeys)
        if (!written.has(keyName(k)) && !inKeys.some((x) => keyName(x) === keyName(k))) inKeys.push(k);
      for (const k of m.outKeys) {
        if (!written.has(keyName(k))) outKeys.push(k);
        written.add(keyName(k));
      }
    }
    this.inKeys = Object.freeze(inKeys);
    if (options.selectOutKeys !== undefined) {
      for (const k of options.selectOutKeys) {
        if (!written.has(keyName(k))) {
          throw new Error(
            `TensorDictSequential: selectOutKeys has "${keyName(k)}", which no module writes (they write ${outKeys.map(keyName).join(", ")})`,
          );
        }
      }
      const keep = new Set(options.selectOutKeys.map(keyName));
      this.outKeys = Object.freeze([...options.selectOutKeys]);
      this.dropKeys = Object.freeze(outKeys.filter((k) => !keep.has(keyName(k))));
    } else {
      this.outKeys = Object.freeze(outKeys);
      this.dropKeys = [];
    }
  }

  parameters(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    this.modules.forEach((m, i) => collectParameters(out, String(i), m, "TensorDictSequential"));
    return out;
  }

  forward(td: TensorDict): TensorDict {
    for (const m of this.modules) m.forward(td);
    const dropped: unknown[] = [];
    for (const k of this.dropKeys) {
      if (!td.has(k)) continue;
      dropped.push(td.get(k));
      td.delete(k);
    }
    disposeUnheld(td, dropped);
    return td;
  }
}

function isModule(x: unknown): x is TensorDictModuleBase {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as TensorDictModuleBase).forward === "function" &&
    Array.isArray((x as TensorDictModuleBase).inKeys)
  );
}
