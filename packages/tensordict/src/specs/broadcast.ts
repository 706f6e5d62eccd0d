import { HostArray } from "../host-array";
import { formatShape, sizeOf, type Shape } from "../shape";

/** Nested JS arrays of numbers, e.g. `[[0, 1], [2, 3]]`. */
export type NestedNumbers = readonly (number | NestedNumbers)[];

/** A per-element parameter given as a scalar, nested arrays or a host array (e.g. `Bounded`'s low and high). */
export type ArrayInput = number | NestedNumbers | HostArray;

/** Shape and row-major values of an `ArrayInput`; `what` names the argument in errors. */
export function readArrayInput(input: ArrayInput, what: string): { shape: number[]; values: number[] } {
  if (typeof input === "number") return { shape: [], values: [input] };
  if (input instanceof HostArray) return { shape: [...input.shape], values: Array.from(input.data) };
  if (!Array.isArray(input))
    throw new Error(`${what}: expected a number, nested number arrays or a HostArray, got ${typeof input}`);
  const shape: number[] = [];
  for (let level: unknown = input; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  const walk = (node: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== "number")
        throw new Error(
          `${what}: expected a number at [${path.join(", ")}], got ${Array.isArray(node) ? "an array" : typeof node}`,
        );
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(
        `${what}: nested arrays are ragged at [${path.join(", ")}]; expected ${shape[depth]} entries like the first row`,
      );
    }
    node.forEach((child, i) => walk(child, depth + 1, [...path, i]));
  };
  walk(input, 0, []);
  return { shape, values };
}

/** Whether `from` broadcasts to `to` (NumPy rules: align on the right, each dim equal or 1). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  for (let i = 1; i <= from.length; i++) {
    const f = from[from.length - i]!;
    if (f !== 1 && f !== to[to.length - i]) return false;
  }
  return true;
}

/** The shape two shapes broadcast to; `what` names the caller in the error. */
export function broadcastShapes(a: Shape, b: Shape, what: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = rank; i >= 1; i--) {
    const x = a[a.length - i] ?? 1;
    const y = b[b.length - i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new Error(`${what}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Row-major `values` of shape `from` repeated out to shape `to` (which `from` must broadcast to). */
export function broadcastValues(values: readonly number[], from: Shape, to: Shape): number[] {
  const size = sizeOf(to);
  const out = new Array<number>(size);
  const offset = to.length - from.length;
  for (let flat = 0; flat < size; flat++) {
    // Walk the target index from the last dim, mapping each dim onto the source (size-1 dims stay at 0).
    let rest = flat;
    let source = 0;
    let stride = 1;
    for (let d = to.length - 1; d >= offset; d--) {
      const n = to[d]!;
      const k = rest % n;
      rest = Math.floor(rest / n);
      const f = from[d - offset]!;
      if (f !== 1) source += k * stride;
      stride *= f;
    }
    out[flat] = values[source]!;
  }
  return out;
}
