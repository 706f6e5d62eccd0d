// Shared by the tests of this package (not exported): small transition batches with known values.
import { HostArray, TensorDict } from "@tdrl/tensordict";
import type { ComponentState } from "../src/component-state";
import type { SampleResult, Sampler } from "../src/sampler";
import type { Storage } from "../src/storage";

/** `n` transitions whose observation row i is [start+i, start+i + 0.5] and pixels are filled with (start+i) % 256. */
export function transitions(n: number, start = 0): TensorDict {
  const obs = new HostArray("float32", [n, 2]);
  const action = new HostArray("int32", [n]);
  const pixels = new HostArray("uint8", [n, 3, 3]);
  const reward = new HostArray("float32", [n, 1]);
  const done = new HostArray("bool", [n, 1]);
  for (let i = 0; i < n; i++) {
    const v = start + i;
    obs.data[2 * i] = v;
    obs.data[2 * i + 1] = v + 0.5;
    action.data[i] = v;
    pixels.data.fill(v % 256, 9 * i, 9 * i + 9);
    reward.data[i] = -v;
    done.data[i] = v % 2;
  }
  return new TensorDict({ obs, action, pixels, next: { reward, done } }, [n]);
}

/** The action values (= item ids) of a batch. */
export function ids(td: TensorDict): number[] {
  return Array.from(td.getHost("action").data);
}

/** A deterministic sampler for buffer tests: hands out the scripted indices, counts calls, records priorities. */
export class ScriptedSampler implements Sampler {
  calls = 0;
  priorities = new Map<number, number>();
  extended: number[] = [];
  constructor(
    private readonly pick: (storage: Storage, batchSize: number, call: number) => number[] = (s, n, c) =>
      Array.from({ length: n }, (_, i) => (c * n + i) % s.length),
  ) {}

  sample(storage: Storage, batchSize: number): SampleResult {
    const index = Int32Array.from(this.pick(storage, batchSize, this.calls++));
    return { index, batchShape: [index.length] };
  }

  extend(index: Int32Array): void {
    this.extended.push(...index);
  }

  updatePriority(index: Int32Array, priority: Float32Array): void {
    index.forEach((k, i) => this.priorities.set(k, priority[i]!));
  }

  empty(): void {
    this.priorities.clear();
    this.extended = [];
  }

  state(): ComponentState {
    return { kind: "ScriptedSampler", meta: { calls: this.calls }, arrays: {} };
  }

  loadState(state: ComponentState): void {
    if (state.kind !== "ScriptedSampler") throw new Error(`ScriptedSampler.loadState: got ${state.kind}`);
    this.calls = state.meta.calls as number;
  }
}
