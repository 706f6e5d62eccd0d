import * as tf from "@tensorflow/tfjs-core";
import { requireBackend } from "@tdrl/backend";

/**
 * Anything that owns named trainable variables. Names are stable, dotted and PyTorch-like
 * (`"0.weight"`, `"weight_ih_l0"`), so that `copyParams`, `saveWeights` and optimizers see the same list.
 */
export interface HasParameters {
  /** The module's variables by name, in a fixed order. The map is fresh; the variables are the module's own. */
  parameters(): Map<string, tf.Variable>;
}

/** The parameters of `module` as `[name, variable]` pairs, in order (handy for `optimizer.minimize(f, false, varList)`). */
export function namedParameters(module: HasParameters): [string, tf.Variable][] {
  return [...module.parameters()];
}

/** The variables of `module` in order, for `optimizer.minimize(f, false, paramList(module))`. */
export function paramList(module: HasParameters): tf.Variable[] {
  return [...module.parameters().values()];
}

/** Prefixes every name of `child`'s parameters with `prefix.` and adds them to `into`; names must not collide. */
export function collectParameters(
  into: Map<string, tf.Variable>,
  prefix: string,
  child: HasParameters,
  what: string,
): void {
  for (const [name, v] of child.parameters()) {
    const full = prefix === "" ? name : `${prefix}.${name}`;
    if (into.has(full)) throw new Error(`${what}: two parameters are named "${full}"`);
    into.set(full, v);
  }
}

/** Creates a trainable float32 variable from host values (the initial tensor is freed). */
export function makeVariable(values: Float32Array, shape: readonly number[], trainable = true): tf.Variable {
  requireBackend("Creating a module's parameters");
  return tf.tidy(() => tf.variable(tf.tensor(values, [...shape], "float32"), trainable));
}

/**
 * Checks that `from` and `to` hold the same names with the same shapes, and returns the matched pairs.
 * The message names the first missing, extra or differently shaped parameter.
 */
export function matchParameters(from: HasParameters, to: HasParameters, what: string): [tf.Variable, tf.Variable][] {
  const a = from.parameters();
  const b = to.parameters();
  const pairs: [tf.Variable, tf.Variable][] = [];
  for (const [name, src] of a) {
    const dst = b.get(name);
    if (dst === undefined)
      throw new Error(
        `${what}: parameter "${name}" of the source is missing from the destination (it has ${listNames(b)})`,
      );
    if (!sameShape(src.shape, dst.shape)) {
      throw new Error(
        `${what}: parameter "${name}" has shape [${src.shape.join(", ")}] in the source and [${dst.shape.join(", ")}] in the destination`,
      );
    }
    pairs.push([src, dst]);
  }
  for (const name of b.keys()) {
    if (!a.has(name))
      throw new Error(
        `${what}: parameter "${name}" of the destination is missing from the source (it has ${listNames(a)})`,
      );
  }
  return pairs;
}

/**
 * Copies every parameter of `from` into the same-named parameter of `to` (hard target-network update).
 *
 * @example
 * const online = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) });
 * const target = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(1) });
 * copyParams(online, target); // target now equals online
 */
export function copyParams(from: HasParameters, to: HasParameters): void {
  const pairs = matchParameters(from, to, "copyParams");
  tf.tidy(() => {
    for (const [src, dst] of pairs) dst.assign(src);
  });
}

/**
 * Soft target update, in place: `target <- (1 - tau) * target + tau * online` for every parameter.
 * TorchRL's `SoftUpdate(eps)` is `tau = 1 - eps`.
 *
 * @example
 * const online = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) });
 * const target = new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(1) });
 * lerpParams(target, online, 0.005); // TorchRL's SoftUpdate(eps=0.995)
 */
export function lerpParams(target: HasParameters, online: HasParameters, tau: number): void {
  if (!(Number.isFinite(tau) && tau >= 0 && tau <= 1)) throw new Error(`lerpParams: tau must be in [0, 1], got ${tau}`);
  const pairs = matchParameters(online, target, "lerpParams");
  tf.tidy(() => {
    const t = tf.scalar(tau);
    for (const [src, dst] of pairs) dst.assign(tf.add(dst, tf.mul(t, tf.sub(src, dst))));
  });
}

function listNames(m: Map<string, unknown>): string {
  const names = [...m.keys()];
  if (names.length === 0) return "no parameters";
  return names.length > 8 ? `${names.slice(0, 8).join(", ")}, ... (${names.length})` : names.join(", ");
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
