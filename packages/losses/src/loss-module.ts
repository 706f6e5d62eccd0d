import * as tf from "@tensorflow/tfjs-core";
import type { TensorDict } from "@tdrl/tensordict";
import type { HasParameters, TensorDictModuleBase } from "@tdrl/modules";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const LOSS_MODULE_OPTION_KEYS = { delayValue: true } satisfies OptionKeys<LossModuleOptions>;

export interface LossModuleOptions {
  /** Keep a separate, slowly updated copy of the value network's parameters for the targets. Default true. */
  delayValue?: boolean;
}

/**
 * The base of every tdrl loss (TorchRL's `LossModule`): it holds the value network (the online
 * parameters, which the optimizer trains) and, with `delayValue`, a target copy of its parameters that only
 * `SoftUpdate` / `HardUpdate` change. `forward(td)` returns a TensorDict of named losses; `"loss"` is the
 * scalar to minimize.
 *
 * tfjs has no functional call (running a module with other parameters), so the target copy is a set of
 * non-trainable variables whose buffers are swapped into the network for the target pass and swapped back
 * right after. `assign` only re-points a variable at another buffer, so the swap copies no data, and the
 * gradient tape never sees target values reach the loss because targets are rebuilt from host values.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { initBackend } from "@tdrl/backend";
 * import { MLP, TensorDictModule } from "@tdrl/modules";
 * await initBackend({ prefer: "cpu" });
 * const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [16], rng: new Rng(0) }), {
 *   inKeys: ["observation"],
 *   outKeys: ["action_value"],
 * });
 * const loss = new DQNLoss(qnet, { gamma: 0.99 }); // a LossModule
 * const opt: tf.Optimizer = tf.train.adam(1e-3); // the base type accepts variableGrads' NamedTensorMap
 * const td = new TensorDict({
 *   observation: HostArray.zeros("float32", [8, 4]),
 *   action: HostArray.zeros("int32", [8]),
 *   next: { observation: HostArray.zeros("float32", [8, 4]), reward: HostArray.full("float32", [8, 1], 1), terminated: HostArray.zeros("bool", [8, 1]) },
 * }, [8]);
 * const { value, grads } = tf.variableGrads(() => loss.forward(td).getTensor("loss") as tf.Scalar, loss.parameterList());
 * opt.applyGradients(grads);
 * tf.dispose([value, ...Object.values(grads)]);
 */
export abstract class LossModule implements HasParameters {
  readonly valueNetwork: TensorDictModuleBase;
  readonly delayValue: boolean;
  /** Used in error messages. */
  abstract readonly name: string;
  private readonly target: Map<string, tf.Variable> | null;

  constructor(valueNetwork: TensorDictModuleBase, options: LossModuleOptions = {}) {
    checkOptions("LossModule", options, LOSS_MODULE_OPTION_KEYS);
    this.valueNetwork = valueNetwork;
    this.delayValue = options.delayValue ?? true;
    this.target = this.delayValue ? copyAsTarget(valueNetwork.parameters()) : null;
  }

  /** The online (trained) parameters: the value network's own variables. */
  parameters(): Map<string, tf.Variable> {
    return this.valueNetwork.parameters();
  }

  /** The online variables as a list, for `tf.variableGrads(f, list)` or `optimizer.minimize(f, false, list)`. */
  parameterList(): tf.Variable[] {
    return [...this.parameters().values()];
  }

  /** The target parameters (non-trainable copies with `delayValue`, otherwise the online variables themselves). */
  targetParameters(): Map<string, tf.Variable> {
    return this.target === null ? this.parameters() : new Map(this.target);
  }

  /** The target parameters as a module, for `copyParams` / `lerpParams`. */
  targetModule(): HasParameters {
    return { parameters: () => this.targetParameters() };
  }

  /** Computes the named losses. The result owns its tensors: dispose it, or run inside `tf.tidy`. */
  abstract forward(td: TensorDict): TensorDict;

  /**
   * Runs `fn` with the value network's variables pointing at the target buffers, and restores them even
   * if `fn` throws. Whatever `fn` returns must not be differentiated (read it back to the host).
   */
  protected withTargetParameters<T>(fn: () => T): T {
    if (this.target === null) return fn();
    const online = this.parameters();
    const saved: [tf.Variable, tf.Tensor][] = [];
    try {
      for (const [name, v] of online) {
        const t = this.target.get(name);
        if (t === undefined || !sameShape(t.shape, v.shape)) {
          throw new Error(
            `${this.name}: the value network's parameter "${name}" [${v.shape.join(", ")}] has no target copy of that shape; the network changed after the loss was made`,
          );
        }
        saved.push([v, tf.clone(v)]);
        v.assign(t);
      }
      return fn();
    } finally {
      for (const [v, s] of saved) {
        v.assign(s);
        s.dispose();
      }
    }
  }

  /** Frees the target copies (the value network's variables belong to the network). */
  dispose(): void {
    if (this.target !== null) for (const v of this.target.values()) v.dispose();
  }
}

function copyAsTarget(online: Map<string, tf.Variable>): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  tf.tidy(() => {
    for (const [name, v] of online) out.set(name, tf.variable(tf.clone(v), false));
  });
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
