import { formatShape, type Shape } from "../shape";

/**
 * Why a value does not fit a leaf spec, as data (what `TensorSpec.findMismatch` returns), with `message`, the
 * text `TensorSpec.mismatch` gives. `index` is the element's position in the whole leaf, batch dims included.
 *
 * - `"type"`: not a HostArray or tensor; `actual` describes what it is.
 * - `"shape"` / `"dtype"`: the leaf's shape or dtype differs from the spec's.
 * - `"value"`: the element `value` (written for its dtype) at `index` is outside the domain: `problem` says how.
 * - `"row"`: the `OneHot` row at `index` (the leaf's index without its last dim) is not one-hot: `problem` says how.
 */
export type SpecMismatch = { readonly message: string } & (
  | { readonly kind: "type"; readonly actual: string }
  | { readonly kind: "shape"; readonly expected: Shape; readonly actual: Shape }
  | { readonly kind: "dtype"; readonly expected: string; readonly actual: string }
  | { readonly kind: "value"; readonly index: readonly number[]; readonly value: string; readonly problem: string }
  | { readonly kind: "row"; readonly index: readonly number[]; readonly problem: string }
);

type MismatchData = SpecMismatch extends infer M ? (M extends SpecMismatch ? Omit<M, "message"> : never) : never;

/** The mismatch `data` with its message. */
export function specMismatch(data: MismatchData): SpecMismatch {
  return { ...data, message: mismatchMessage(data) } as SpecMismatch;
}

function mismatchMessage(m: MismatchData): string {
  switch (m.kind) {
    case "type":
      return `expected a HostArray or a tfjs tensor, got ${m.actual}`;
    case "shape":
      return `expected shape ${formatShape(m.expected)}, got ${formatShape(m.actual)}`;
    case "dtype":
      return `expected dtype ${m.expected}, got ${m.actual}`;
    case "value":
      return `value ${m.value} at index ${formatShape(m.index)} ${m.problem}`;
    case "row":
      return `row at index ${formatShape(m.index)} ${m.problem}`;
  }
}

/** The multi-dimensional index of the flat position `flat` in `shape` (row-major). */
export function unravelIndex(shape: Shape, flat: number): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    index[d] = flat % n;
    flat = Math.floor(flat / n);
  }
  return index;
}
