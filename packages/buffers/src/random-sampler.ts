import { checkOptions, type OptionKeys, Rng } from "@tdrl/tensordict";
import { assertKind, type ComponentState } from "./component-state";
import type { SampleResult, Sampler } from "./sampler";
import { checkSampleArgs, rngFromJson, rngToJson, type SamplerRngOptions } from "./sampler-support";
import type { Storage } from "./storage";

const RANDOM_SAMPLER_OPTION_KEYS = { rng: true } satisfies OptionKeys<SamplerRngOptions>;

/**
 * Draws `batchSize` stored elements uniformly, with replacement.
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { LazyTensorStorage, RandomSampler, ReplayBuffer } from "@tdrl/buffers";
 * const rb = new ReplayBuffer({ storage: new LazyTensorStorage(100), sampler: new RandomSampler({ rng: new Rng(7) }) });
 * rb.extend(new TensorDict({ obs: HostArray.zeros("float32", [10, 3]) }, [10]));
 * rb.sample(32).batchSize; // [32], drawn from the 10 stored items
 */
export class RandomSampler implements Sampler {
  private readonly rng: Rng;

  constructor(options: SamplerRngOptions = {}) {
    checkOptions("RandomSampler", options, RANDOM_SAMPLER_OPTION_KEYS);
    this.rng = options.rng ?? new Rng(0);
  }

  sample(storage: Storage, batchSize: number): SampleResult {
    checkSampleArgs(storage, batchSize, "RandomSampler.sample");
    return { index: this.rng.fillInt(new Int32Array(batchSize), 0, storage.length), batchShape: [batchSize] };
  }

  empty(): void {}

  state(): ComponentState {
    return { kind: "RandomSampler", meta: { rng: rngToJson(this.rng) }, arrays: {} };
  }

  loadState(state: ComponentState): void {
    assertKind(state, "RandomSampler", "RandomSampler");
    rngFromJson(this.rng, state.meta.rng, "RandomSampler");
  }
}
