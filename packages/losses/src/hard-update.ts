import { copyParams } from "@tdrl/modules";
import type { LossModule } from "./loss-module";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const HARD_UPDATE_OPTION_KEYS = { interval: true } satisfies OptionKeys<HardUpdateOptions>;

/** A `HardUpdate` checkpoint (`state()`): the updates counted so far. JSON-able. */
export interface HardUpdateState {
  steps: number;
}

export interface HardUpdateOptions {
  /** Copy the online parameters into the target every `interval` calls to `step()`. */
  interval: number;
}

/**
 * Periodic copy of a loss's online parameters into its target parameters (TorchRL's `HardUpdate`):
 * `step()` counts optimizer updates and copies on every `interval`-th one.
 *
 * @example
 * import { Rng } from "@tdrl/tensordict";
 * import { initBackend } from "@tdrl/backend";
 * import { MLP, TensorDictModule } from "@tdrl/modules";
 * await initBackend({ prefer: "cpu" });
 * const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, rng: new Rng(0) }), { inKeys: ["observation"], outKeys: ["action_value"] });
 * const updater = new HardUpdate(new DQNLoss(qnet), { interval: 1000 });
 * updater.step(); // true on the 1000th, 2000th, ... call
 * const resumed = new HardUpdate(new DQNLoss(qnet), { interval: 1000 });
 * resumed.loadState(updater.state()); // goes on counting from 1
 */
export class HardUpdate {
  readonly loss: LossModule;
  readonly interval: number;
  private count = 0;

  constructor(loss: LossModule, options: HardUpdateOptions) {
    checkOptions("HardUpdate", options, HARD_UPDATE_OPTION_KEYS);
    const { interval } = options;
    if (!(Number.isSafeInteger(interval) && interval >= 1))
      throw new Error(`HardUpdate(${loss.name}): interval must be a positive integer, got ${String(interval)}`);
    if (!loss.delayValue)
      throw new Error(
        `HardUpdate(${loss.name}): the loss was made with delayValue false, so it has no target parameters to update`,
      );
    this.loss = loss;
    this.interval = interval;
  }

  /** Updates counted so far. */
  get steps(): number {
    return this.count;
  }

  /** A checkpoint of the count, so a resumed run copies on the same updates (the target weights are the loss's to save). */
  state(): HardUpdateState {
    return { steps: this.count };
  }

  /** Restores a `state()`; a bad state throws naming the value and changes nothing. */
  loadState(state: HardUpdateState): void {
    const steps = (state as HardUpdateState | null)?.steps;
    if (!(Number.isSafeInteger(steps) && steps! >= 0)) {
      throw new Error(
        `HardUpdate(${this.loss.name}).loadState(): "steps" must be a non-negative integer, got ${JSON.stringify(steps)}`,
      );
    }
    this.count = steps!;
  }

  /** Counts one update and copies when the count reaches a multiple of `interval`; returns whether it copied. */
  step(): boolean {
    this.count++;
    if (this.count % this.interval !== 0) return false;
    copyParams(this.loss, this.loss.targetModule());
    return true;
  }
}
