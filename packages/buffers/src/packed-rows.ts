import type { DType } from "@tdrl/tensordict";
import type { ElementArray } from "./element-copy";
import type { Layout } from "./layout";

/** Leaves whose element is at most this many bytes are interleaved into one row per element. */
export const PACK_LIMIT_BYTES = 64;

/** Where one leaf's element `i` lives: numbers `i * stride + offset ..` of `array`. */
export interface LeafPlace {
  readonly array: ElementArray;
  readonly stride: number;
  readonly offset: number;
}

/**
 * Memory for a typed storage. Small leaves (CartPole's observation, action, reward, flags) are interleaved
 * into one row per element, so sampling a random element touches one or two cache lines instead of one
 * per leaf: with 1M elements and ~10 leaves, the per-leaf layout spends most of a 256-sample batch waiting
 * on cache misses. Large leaves (pixel frames) keep an array of their own.
 */
export class PackedRows {
  readonly places: readonly LeafPlace[];
  /** Bytes per row of packed leaves (a multiple of 4); 0 when nothing is packed. */
  readonly rowBytes: number;
  /** The interleaved rows, or null when nothing is packed. */
  readonly rows: Uint8Array | null;

  constructor(layout: Layout, capacity: number, rows?: Uint8Array, own?: readonly (ElementArray | undefined)[]) {
    const width = (d: DType) => (d === "float32" || d === "int32" ? 4 : 1);
    const packed = layout.leaves.map((l) => l.size * width(l.dtype) <= PACK_LIMIT_BYTES);
    // 4-byte leaves first, so every one starts 4-byte aligned without padding between them.
    const order = layout.leaves
      .map((_, i) => i)
      .filter((i) => packed[i])
      .sort((a, b) => width(layout.leaves[b]!.dtype) - width(layout.leaves[a]!.dtype));
    const byteOffset = new Map<number, number>();
    let bytes = 0;
    for (const i of order) {
      byteOffset.set(i, bytes);
      bytes += layout.leaves[i]!.size * width(layout.leaves[i]!.dtype);
    }
    this.rowBytes = Math.ceil(bytes / 4) * 4;
    if (rows !== undefined && rows.length !== this.rowBytes * capacity) {
      throw new Error(`PackedRows: ${rows.length} bytes of rows, expected ${this.rowBytes} x ${capacity}`);
    }
    this.rows = this.rowBytes === 0 ? null : (rows ?? new Uint8Array(this.rowBytes * capacity));
    const buffer = this.rows?.buffer;
    const base = this.rows?.byteOffset ?? 0;
    const views = {
      float32: buffer && new Float32Array(buffer, base, (this.rowBytes * capacity) / 4),
      int32: buffer && new Int32Array(buffer, base, (this.rowBytes * capacity) / 4),
      uint8: this.rows,
    };
    this.places = layout.leaves.map((l, i) => {
      const w = width(l.dtype);
      if (!packed[i]) {
        const array = own?.[i] ?? allocate(l.dtype, capacity * l.size);
        return { array, stride: l.size, offset: 0 };
      }
      const view = w === 4 ? (l.dtype === "float32" ? views.float32 : views.int32) : views.uint8;
      return { array: view!, stride: this.rowBytes / w, offset: byteOffset.get(i)! / w };
    });
  }

  /** Whether leaf `i` is interleaved into the rows. */
  isPacked(i: number): boolean {
    return this.rows !== null && this.places[i]!.array.buffer === this.rows.buffer;
  }
}

function allocate(dtype: DType, n: number): ElementArray {
  return dtype === "float32" ? new Float32Array(n) : dtype === "int32" ? new Int32Array(n) : new Uint8Array(n);
}
