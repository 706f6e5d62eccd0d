import type * as tf from "@tensorflow/tfjs-core";

type Tuple<N extends number, T, Acc extends T[] = []> = Acc["length"] extends N ? Acc : Tuple<N, T, [...Acc, T]>;

/** The upstream gradient of a single-output kernel. The engine passes a bare tensor when a kernel has one output. */
export function singleDy(dy: tf.Tensor | tf.Tensor[], kernelName: string): tf.Tensor {
  if (!Array.isArray(dy)) return dy;
  const [only] = dy;
  if (dy.length !== 1 || only === undefined) {
    throw new Error(`${kernelName} gradient: expected one upstream gradient, got ${dy.length}`);
  }
  return only;
}

/**
 * The upstream gradients of a multi-output kernel. The engine unwraps the list when the kernel produced a single
 * output (a split into one piece), and fills outputs that do not reach the loss with zeros of the output's dtype.
 */
export function dyList(dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(dy) ? dy : [dy];
}

/** The first `count` saved tensors, typed as a tuple; throws naming the kernel when the engine saved fewer. */
export function savedTensors<N extends number>(saved: tf.Tensor[], count: N, kernelName: string): Tuple<N, tf.Tensor> {
  if (saved.length < count) {
    throw new Error(`${kernelName} gradient: expected ${count} saved tensors, got ${saved.length}`);
  }
  return saved.slice(0, count) as Tuple<N, tf.Tensor>;
}

// Kernel attrs are numbers, strings and arrays of them: JSON shows them as written (no @tdrl/tensordict here).
function formatAttr(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function attrError(kernelName: string, name: string, expected: string, value: unknown): Error {
  return new Error(`${kernelName} gradient: attr '${name}' must be ${expected}, got ${formatAttr(value)}`);
}

export function numberAttr(attrs: tf.NamedAttrMap, name: string, kernelName: string): number {
  const value = attrs[name];
  if (typeof value !== "number") throw attrError(kernelName, name, "a number", value);
  return value;
}

export function optionalNumberAttr(attrs: tf.NamedAttrMap, name: string, kernelName: string, fallback: number): number {
  const value = attrs[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number") throw attrError(kernelName, name, "a number", value);
  return value;
}

export function booleanAttr(attrs: tf.NamedAttrMap, name: string, kernelName: string, fallback = false): boolean {
  const value = attrs[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw attrError(kernelName, name, "a boolean", value);
  return value;
}

export function stringAttr(attrs: tf.NamedAttrMap, name: string, kernelName: string, fallback?: string): string {
  const value = attrs[name];
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== "string") throw attrError(kernelName, name, "a string", value);
  return value;
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === "number");
}

export function numberArrayAttr(attrs: tf.NamedAttrMap, name: string, kernelName: string): number[] {
  const value = attrs[name];
  if (!isNumberArray(value)) throw attrError(kernelName, name, "an array of numbers", value);
  return value;
}

/** A number or a list of numbers (an axis, a slice begin); `null`/absent means "all", which tfjs encodes as null. */
export function axisAttr(attrs: tf.NamedAttrMap, name: string, kernelName: string): number | number[] | null {
  const value = attrs[name];
  if (value === undefined || value === null) return null;
  if (typeof value === "number" || isNumberArray(value)) return value;
  throw attrError(kernelName, name, "a number, an array of numbers or null", value);
}

/** A list of [before, after] pairs, as PadV2 and MirrorPad take. */
export function paddingsAttr(attrs: tf.NamedAttrMap, name: string, kernelName: string): Array<[number, number]> {
  const value: unknown = attrs[name];
  if (Array.isArray(value)) {
    const pairs: Array<[number, number]> = [];
    for (const p of value as unknown[]) {
      if (!isNumberArray(p) || p.length !== 2) break;
      pairs.push([p[0] ?? 0, p[1] ?? 0]);
    }
    if (pairs.length === value.length) return pairs;
  }
  throw attrError(kernelName, name, "an array of [before, after] pairs", value);
}

/**
 * Copies the named attrs that are present, to forward them to another kernel (a backprop kernel takes the forward
 * kernel's strides, pad, ... unchanged). Absent ones are left out rather than set to undefined.
 */
export function pickAttrs(attrs: tf.NamedAttrMap, names: readonly string[]): tf.NamedAttrMap {
  const picked: tf.NamedAttrMap = {};
  for (const name of names) {
    const value = attrs[name];
    if (value !== undefined && value !== null) picked[name] = value;
  }
  return picked;
}
