import type { TensorDict } from "@tdrl/tensordict";
import { assertKind, metaNumber, type ComponentState } from "./component-state";
import { writeShape, type Storage, type StoredExtent } from "./storage";
import type { Writer } from "./writer";

const KIND = "RoundRobinWriter";

/**
 * Writes at a cursor that wraps around the capacity: once full, each write replaces the oldest data.
 * For a 2-dim storage the cursor moves along time and every write covers all envs.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, RoundRobinWriter } from "@tdrl/buffers";
 * const storage = new LazyTensorStorage(3);
 * const writer = new RoundRobinWriter();
 * const data = new TensorDict({ x: HostArray.from("int32", [2], [1, 2]) }, [2]);
 * writer.extend(storage, data); // Int32Array [0, 1]
 * writer.extend(storage, data); // Int32Array [2, 0]
 */
export class RoundRobinWriter implements Writer {
  private next = 0;

  get cursor(): number {
    return this.next;
  }

  attach(storage: Storage): void {
    if (storage.length > 0 && storage.shape !== null)
      this.next = storage.writeCursor / (storage.ndim === 2 ? storage.shape[1]! : 1);
  }

  extend(storage: Storage, data: TensorDict): Int32Array {
    const shape = writeShape(storage, data.batchSize, `${KIND}.extend`);
    let index: Int32Array;
    let steps: number;
    if (storage.ndim === 1) {
      steps = data.batchSize[0]!;
      const capacity = shape[0]!;
      index = new Int32Array(steps);
      for (let i = 0; i < steps; i++) index[i] = (this.next + i) % capacity;
    } else {
      const [capacityT, numEnvs] = [shape[0]!, shape[1]!];
      steps = data.batchSize[1]!;
      index = new Int32Array(numEnvs * steps);
      for (let e = 0; e < numEnvs; e++) {
        for (let j = 0; j < steps; j++) index[e * steps + j] = ((this.next + j) % capacityT) * numEnvs + e;
      }
    }
    storage.set(index, data);
    this.next = (this.next + steps) % shape[0]!;
    return index;
  }

  empty(): void {
    this.next = 0;
  }

  state(): ComponentState {
    return { kind: KIND, meta: { cursor: this.next }, arrays: {} };
  }

  loadState(state: ComponentState, storage?: StoredExtent): void {
    assertKind(state, KIND, KIND);
    const what = `${KIND}.loadState`;
    const cursor = metaNumber(state, "cursor", KIND);
    if (!Number.isSafeInteger(cursor) || cursor < 0)
      throw new Error(`${what}: cursor ${cursor} is not a non-negative integer`);
    if (storage !== undefined) {
      // The writer's cursor is the storage's write cursor along time: a write continues where the data ends.
      const numEnvs = storage.ndim === 2 ? (storage.shape?.[1] ?? 1) : 1;
      const capacityT = storage.shape?.[0] ?? storage.maxSize;
      const expected = storage.writeCursor / numEnvs;
      if (cursor >= capacityT || cursor !== expected) {
        throw new Error(
          `${what}: cursor ${cursor} does not match the storage, which holds ${storage.length} elements (capacity ${capacityT}${numEnvs > 1 ? ` steps of ${numEnvs} envs` : ""}) with write cursor ${storage.writeCursor}: the writer's cursor must be ${expected}`,
        );
      }
    }
    this.next = cursor;
  }
}
