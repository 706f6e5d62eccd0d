import {
  checkAllocation,
  checkOptions,
  HostArray,
  type OptionKeys,
  type TensorDict,
  formatShape,
  sizeOf,
  type Shape,
} from "@tdrl/tensordict";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint";
import { RandomSampler } from "./random-sampler";
import { RoundRobinWriter } from "./round-robin-writer";
import type { SampleResult, Sampler } from "./sampler";
import type { Storage } from "./storage";
import type { Writer } from "./writer";

const REPLAY_BUFFER_OPTION_KEYS = {
  storage: true,
  sampler: true,
  writer: true,
  batchSize: true,
  transform: true,
  prefetch: true,
} satisfies OptionKeys<ReplayBufferOptions>;

/** Runs on every sampled batch, e.g. to turn stored uint8 pixels into float32 at sample time. */
export type SampleTransform = (batch: TensorDict) => TensorDict;

export interface ReplayBufferOptions {
  storage: Storage;
  /**
   * Default: a `RandomSampler` with its default generator (`new Rng(0)`), as TorchRL defaults to
   * `RandomSampler`. Pass one with your own `Rng` for a seeded run.
   */
  sampler?: Sampler;
  /** Default: a `RoundRobinWriter`. */
  writer?: Writer;
  /** The batch size `sample()` uses when called without one. */
  batchSize?: number;
  transform?: SampleTransform;
  /**
   * Batches to keep sampled ahead (default 0). They are drawn in `setImmediate` tasks, so the work
   * overlaps with whatever the caller awaits (a training step's `data()`), and `sample()` hands out the
   * oldest. Prefetched batches were drawn before later writes and priority updates, as in TorchRL.
   */
  prefetch?: number;
}

/** A sampled batch with the indices and sampler info it came from. */
export interface Sample {
  readonly data: TensorDict;
  readonly index: Int32Array;
  readonly batchShape: Shape;
  readonly info: TensorDict | undefined;
}

/**
 * A replay buffer built as storage + sampler + writer (TorchRL's `ReplayBuffer`). `extend` writes a batch
 * (dim 0 = items; `[numEnvs, T]` for 2-dim storages), `sample` draws one, shaped as the sampler says
 * (`[batchSize]`, or `[numSlices, sliceLen]` for a slice sampler).
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, RandomSampler, ReplayBuffer } from "@tdrl/buffers";
 * const rb = new ReplayBuffer({ storage: new LazyTensorStorage(1000), sampler: new RandomSampler({ rng: new Rng(0) }), batchSize: 4 });
 * rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [10, 3]) }, [10]));
 * rb.sample().batchSize; // [4]
 */
export class ReplayBuffer {
  readonly storage: Storage;
  readonly sampler: Sampler;
  readonly writer: Writer;
  readonly batchSize: number | undefined;
  readonly transform: SampleTransform | undefined;
  readonly prefetch: number;
  private readonly ready: Sample[] = [];
  private scheduled = 0;
  // Bumped by anything that makes prefetched batches wrong (empty, loads): stale tasks see it and stop.
  private generation = 0;

  constructor(options: ReplayBufferOptions) {
    checkOptions("ReplayBuffer", options, REPLAY_BUFFER_OPTION_KEYS);
    const prefetch = options.prefetch ?? 0;
    if (!Number.isSafeInteger(prefetch) || prefetch < 0)
      throw new Error(`${this.name}: prefetch must be a non-negative integer, got ${prefetch}`);
    if (options.batchSize !== undefined) checkBatchSize(options.batchSize, this.name);
    if (options.storage === undefined || options.storage === null)
      throw new Error(`${this.name}: options.storage is required (a Storage such as LazyTensorStorage)`);
    this.storage = options.storage;
    this.sampler = options.sampler ?? new RandomSampler();
    // A sampler that cannot index every storage slot would fail in extend after the storage stored the items.
    const capacity = (this.sampler as { maxCapacity?: unknown }).maxCapacity;
    if (typeof capacity === "number" && capacity < this.storage.maxSize) {
      throw new Error(
        `${this.name}: the sampler's maxCapacity ${capacity} is smaller than the storage's maxSize ${this.storage.maxSize}`,
      );
    }
    this.writer = options.writer ?? new RoundRobinWriter();
    this.batchSize = options.batchSize;
    this.transform = options.transform;
    this.prefetch = prefetch;
    this.writer.attach?.(this.storage);
  }

  /** Elements stored. */
  get length(): number {
    return this.storage.length;
  }

  /** Batches sampled ahead and waiting (at most `prefetch`). */
  get prefetched(): number {
    return this.ready.length;
  }

  /** Writes every item of `data` and returns the flat storage indices written, in data order. */
  extend(data: TensorDict): Int32Array {
    const index = this.writer.extend(this.storage, data);
    this.sampler.extend?.(index, this.writtenRows(data));
    return index;
  }

  /** Writes one item (batch `[]`; `[numEnvs]` for a 2-dim storage). */
  add(item: TensorDict): Int32Array {
    return this.extend(item.unsqueeze(this.storage.ndim === 1 ? 0 : 1));
  }

  /** A batch of `batchSize` elements (or the sampler's batch shape), transformed. */
  sample(batchSize?: number): TensorDict {
    return this.sampleWithInfo(batchSize).data;
  }

  /** `sample`, with the indices and the sampler's info. */
  sampleWithInfo(batchSize?: number): Sample {
    const n = batchSize ?? this.batchSize;
    if (n === undefined)
      throw new Error(`${this.name}.sample: no batch size; pass one or set batchSize in the constructor`);
    checkBatchSize(n, `${this.name}.sample`);
    const queued = n === this.batchSize ? this.ready.shift() : undefined;
    const out = queued ?? this.draw(n);
    this.schedulePrefetch();
    return out;
  }

  /** Sets the priorities of the elements at flat `index` (for prioritized samplers). */
  updatePriority(index: Int32Array | readonly number[], priority: Float32Array | readonly number[] | number): void {
    if (this.sampler.updatePriority === undefined)
      throw new Error(`${this.name}.updatePriority: the sampler (${this.sampler.constructor.name}) has no priorities`);
    const what = `${this.name}.updatePriority`;
    // JS numbers are checked, not coerced: Int32Array.from would wrap -1e12 into a valid-looking index.
    const idx =
      index instanceof Int32Array
        ? index
        : (checked(() => HostArray.from("int32", [index.length], index), `${what}: index`).data as Int32Array);
    const p =
      typeof priority === "number"
        ? checked(() => HostArray.full("float32", [idx.length], priority), `${what}: priority`).data
        : priority instanceof Float32Array
          ? priority
          : (checked(() => HostArray.from("float32", [priority.length], priority), `${what}: priority`)
              .data as Float32Array);
    if (p.length !== idx.length)
      throw new Error(`${this.name}.updatePriority: ${idx.length} indices but ${p.length} priorities`);
    this.sampler.updatePriority(idx, p);
  }

  /** Removes every element and forgets writer, sampler and prefetch state. */
  empty(): void {
    this.dropPrefetched();
    this.storage.clear();
    this.writer.empty();
    this.sampler.empty();
  }

  /** Saves storage, sampler and writer to the directory `dir`, atomically: a failed dump leaves the previous checkpoint loadable. */
  dumpToDirectory(dir: string): void {
    saveCheckpoint(dir, { storage: this.storage, sampler: this.sampler, writer: this.writer });
  }

  /** Restores what `dumpToDirectory` saved in `dir`; a truncated or corrupt checkpoint is refused before anything changes. */
  loadFromDirectory(dir: string): void {
    loadCheckpoint(dir, { storage: this.storage, sampler: this.sampler, writer: this.writer });
    this.dropPrefetched();
  }

  /** @deprecated TorchRL's name, which reads as "to a string": use `dumpToDirectory(dir)`. */
  dumps(dir: string): void {
    this.dumpToDirectory(dir);
  }

  /** @deprecated TorchRL's name, which reads as "from a string": use `loadFromDirectory(dir)`. */
  loads(dir: string): void {
    this.loadFromDirectory(dir);
  }

  /** Endless batches of `batchSize`; each step yields to the event loop first, so prefetching runs. */
  async *[Symbol.asyncIterator](): AsyncGenerator<TensorDict, void, undefined> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield this.sample();
    }
  }

  /** The part of `data` the writer just stored, lined up with the indices it returned. */
  protected writtenRows(data: TensorDict): TensorDict {
    const rows = this.writer.lastRows;
    return rows === undefined || rows === null ? data : data.index(rows);
  }

  /** Hook for subclasses: what a drawn batch becomes before the transform. */
  protected decorate(sample: Sample): Sample {
    return sample;
  }

  protected get name(): string {
    return "ReplayBuffer";
  }

  private draw(n: number): Sample {
    if (this.storage.length === 0)
      throw new Error(`${this.name}.sample: the buffer is empty; extend it before sampling`);
    const result: SampleResult = this.sampler.sample(this.storage, n);
    const count = sizeOf(result.batchShape);
    if (count !== result.index.length) {
      throw new Error(
        `${this.name}.sample: the sampler returned ${result.index.length} indices for batch shape ${formatShape(result.batchShape)}`,
      );
    }
    let data = this.storage.get(result.index);
    if (result.batchShape.length !== 1) data = data.reshape(result.batchShape);
    const decorated = this.decorate({ data, index: result.index, batchShape: result.batchShape, info: result.info });
    return this.transform === undefined ? decorated : { ...decorated, data: this.transform(decorated.data) };
  }

  private schedulePrefetch(): void {
    const n = this.batchSize;
    if (n === undefined || this.storage.length === 0) return;
    const generation = this.generation;
    while (this.ready.length + this.scheduled < this.prefetch) {
      this.scheduled++;
      setImmediate(() => {
        if (generation !== this.generation) return;
        this.scheduled--;
        if (this.ready.length >= this.prefetch) return;
        try {
          this.ready.push(this.draw(n));
        } catch {
          // The buffer changed under the prefetch (emptied, sampler exhausted): the next sample() reports it.
        }
      });
    }
  }

  private dropPrefetched(): void {
    this.ready.length = 0;
    this.scheduled = 0;
    this.generation++;
  }
}

/** Runs a conversion, prefixing its error with `what`. */
function checked<T>(convert: () => T, what: string): T {
  try {
    return convert();
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`);
  }
}

function checkBatchSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${what}: batch size must be a positive integer, got ${n}`);
  // At least an int32 index and a float64 weight per element; a huge size would crash the process allocating them.
  checkAllocation(what, `batch size ${n}`, n * 12);
}
