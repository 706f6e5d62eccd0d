/** Shapes are plain number arrays; these helpers keep the arithmetic and the error text in one place. */
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function startsWith(shape: Shape, prefix: Shape): boolean {
  if (shape.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (shape[i] !== prefix[i]) return false;
  return true;
}

/** Throws unless every entry is a non-negative integer; `what` names the caller in the message. */
export function assertValidShape(shape: Shape, what: string): void {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${what}: shape ${formatShape(shape)} has an invalid dimension ${d}`);
  }
}
