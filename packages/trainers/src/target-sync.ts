import { copyParams, lerpParams } from "@tdrl/modules";
import type { LossModule } from "@tdrl/losses";

/** When the target network follows the online one. */
export type TargetSyncConfig =
  | { kind: "hard"; everyUpdates: number }
  | { kind: "hardEpisodes"; everyEpisodes: number }
  | { kind: "soft"; tau: number };

/**
 * Target-network updates driven by the training loop's own counters (updates, episodes) instead of a
 * counter inside the updater, so a resumed run needs no updater state: `HardUpdate` counts its own
 * `step()` calls, which a checkpoint would have to carry. The "every 20 episodes" sync of the classic
 * CartPole recipe has no TorchRL updater at all.
 *
 * @example
 * import { Rng } from "@tdrl/tensordict";
 * import { DQNLoss } from "@tdrl/losses";
 * import { MLP, TensorDictModule } from "@tdrl/modules";
 * const loss = new DQNLoss(new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8], rng: new Rng(0) }), { inKeys: ["observation"], outKeys: ["action_value"] }));
 * const sync = new TargetSync(loss, { kind: "hard", everyUpdates: 10 });
 * sync.afterUpdate(10); // true: copied
 */
export class TargetSync {
  readonly config: TargetSyncConfig;
  private readonly loss: LossModule;

  constructor(loss: LossModule, config: TargetSyncConfig) {
    const bad = (what: string, v: number) =>
      new Error(`TargetSync: ${what} must be ${config.kind === "soft" ? "in (0, 1]" : "a positive integer"}, got ${v}`);
    if (config.kind === "hard" && !(Number.isInteger(config.everyUpdates) && config.everyUpdates >= 1))
      throw bad("everyUpdates", config.everyUpdates);
    if (config.kind === "hardEpisodes" && !(Number.isInteger(config.everyEpisodes) && config.everyEpisodes >= 1))
      throw bad("everyEpisodes", config.everyEpisodes);
    if (config.kind === "soft" && !(config.tau > 0 && config.tau <= 1)) throw bad("tau", config.tau);
    if (!["hard", "hardEpisodes", "soft"].includes(config.kind))
      throw new Error(`TargetSync: kind must be "hard", "hardEpisodes" or "soft", got ${JSON.stringify(config.kind)}`);
    this.loss = loss;
    this.config = config;
  }

  /** Call after optimizer update number `updates` (1-based); returns whether the target moved. */
  afterUpdate(updates: number): boolean {
    const c = this.config;
    if (c.kind === "soft") {
      lerpParams(this.loss.targetModule(), this.loss.valueNetwork, c.tau);
      return true;
    }
    if (c.kind === "hard" && updates % c.everyUpdates === 0) {
      copyParams(this.loss.valueNetwork, this.loss.targetModule());
      return true;
    }
    return false;
  }

  /** Call when the episode count went from `before` to `after`; returns whether the target was copied. */
  afterEpisodes(before: number, after: number): boolean {
    const c = this.config;
    if (c.kind !== "hardEpisodes" || Math.floor(after / c.everyEpisodes) === Math.floor(before / c.everyEpisodes))
      return false;
    copyParams(this.loss.valueNetwork, this.loss.targetModule());
    return true;
  }
}
