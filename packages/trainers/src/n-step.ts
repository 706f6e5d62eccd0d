import { HostArray, type TensorDict } from "@tdrl/tensordict";
import type { Storage } from "@tdrl/buffers";

/**
 * Turns a sampled batch of one-step transitions into n-step ones, reading the following steps from the
 * storage (TorchRL's `MultiStep` does this at collection time; doing it at sample time keeps no pending
 * state outside the buffer, so a checkpoint of the buffer is a checkpoint of everything).
 *
 * The storage must be 2-dim time-major (`LazyTensorStorage(maxSize, { ndim: 2 })` fed `[numEnvs, T]`
 * blocks): the next step of flat element `f` is `f + numEnvs`, modulo the ring. For each sample:
 * `next.reward = sum_k gamma^k r_{t+k}` over the window, `next.<obsKeys>` is the observation after the
 * window, `next.terminated` is set when the window ended by termination. The loss must then discount by
 * `gamma^n`. A window cut short by truncation or by the end of the stored data would need `gamma^k`, k < n:
 * it gets `priority_weight` 0 (it is dropped from the loss) rather than a wrong target.
 *
 * @example
 * import { HostArray, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage } from "@tdrl/buffers";
 * const storage = new LazyTensorStorage(8, { ndim: 2 });
 * const f = (v: number[]) => HostArray.from("float32", [1, 4, 1], v);
 * const b = (v: number[]) => HostArray.from("bool", [1, 4, 1], v);
 * storage.set(Int32Array.from([0, 1, 2, 3]), new TensorDict({ observation: f([0, 1, 2, 3]),
 *   next: { observation: f([1, 2, 3, 4]), reward: f([1, 1, 1, 1]), terminated: b([0, 0, 0, 1]), truncated: b([0, 0, 0, 0]), done: b([0, 0, 0, 1]) } }, [1, 4]));
 * const batch = storage.get(Int32Array.from([0, 2]));
 * nStepTransitions(storage, Int32Array.from([0, 2]), batch, { n: 3, gamma: 0.5, obsKeys: ["observation"] });
 * batch.getHost("next.reward").data; // [1.75, 1.5]
 */
export function nStepTransitions(
  storage: Storage,
  index: Int32Array,
  batch: TensorDict,
  options: { n: number; gamma: number; obsKeys: readonly string[] },
): void {
  const { n, gamma, obsKeys } = options;
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(`nStepTransitions: n must be a positive integer, got ${String(n)}`);
  if (n === 1) return;
  const shape = storage.shape;
  if (storage.ndim !== 2 || shape === null)
    throw new Error(`nStepTransitions: the storage must be 2-dim (ndim: 2) and written; got ndim ${storage.ndim}`);
  const numEnvs = shape[1]!;
  const capacity = shape[0]! * numEnvs;
  const length = storage.length;
  // The row the next write goes to holds the oldest data once the ring has wrapped: a window may not enter it.
  const seamRow = Math.floor(storage.writeCursor / numEnvs) % shape[0]!;
  const m = index.length;
  const reward = new Float32Array(m);
  const terminated = new Uint8Array(m);
  const weight = new Float32Array(m).fill(1);
  const last = new Int32Array(m);
  const readFlag = (key: string, at: Int32Array) => storage.getLeaf(key, at).data;
  let cur = Int32Array.from(index);
  const active = new Uint8Array(m).fill(1);
  let discount = 1;
  for (let k = 0; k < n; k++) {
    const r = storage.getLeaf("next.reward", cur).data;
    const term = readFlag("next.terminated", cur);
    const done = readFlag("next.done", cur);
    const following = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      if (!active[i]) continue;
      reward[i]! += discount * r[i]!;
      last[i] = cur[i]!;
      if (term[i]) {
        terminated[i] = 1;
        active[i] = 0;
        continue;
      }
      if (k === n - 1) continue;
      const nextFlat = (cur[i]! + numEnvs) % capacity;
      if (done[i] || nextFlat >= length || Math.floor(nextFlat / numEnvs) === seamRow) {
        weight[i] = 0; // truncated, or the data after it is not stored (yet)
        active[i] = 0;
        continue;
      }
      following[i] = nextFlat;
    }
    for (let i = 0; i < m; i++) following[i] = active[i] ? following[i]! : cur[i]!;
    cur = following;
    discount *= gamma;
  }
  const bs = [...batch.batchSize];
  batch.set(["next", "reward"], new HostArray("float32", [...bs, 1], reward));
  batch.set(["next", "terminated"], new HostArray("bool", [...bs, 1], terminated));
  for (const key of obsKeys) {
    const obs = storage.getLeaf(`next.${key}`, last);
    batch.set(["next", key], obs.reshape([...bs, ...obs.shape.slice(1)]));
  }
  const prior = batch.has("priority_weight") ? (batch.get("priority_weight") as HostArray).data : null;
  if (prior !== null) for (let i = 0; i < m; i++) weight[i]! *= prior[i]!;
  batch.set("priority_weight", new HostArray("float32", bs, weight));
}
