import { lerpParams } from "@tdrl/modules";
import type { LossModule } from "./loss-module";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const SOFT_UPDATE_OPTION_KEYS = { eps: true, tau: true } satisfies OptionKeys<SoftUpdateOptions>;

/** Give exactly one: `eps` (TorchRL's name, the weight kept by the target) or `tau = 1 - eps`. */
export type SoftUpdateOptions = { eps: number; tau?: never } | { tau: number; eps?: never };

/**
 * Polyak averaging of a loss's target parameters (TorchRL's `SoftUpdate`): every `step()` sets
 * `target = eps * target + (1 - eps) * online`.
 *
 * @example
 * import { Rng } from "@tdrl/tensordict";
 * import { initBackend } from "@tdrl/backend";
 * import { MLP, TensorDictModule } from "@tdrl/modules";
 * await initBackend({ prefer: "cpu" });
 * const qnet = new TensorDictModule(new MLP({ inFeatures: 4, outFeatures: 2, rng: new Rng(0) }), { inKeys: ["observation"], outKeys: ["action_value"] });
 * const loss = new DQNLoss(qnet);
 * const updater = new SoftUpdate(loss, { eps: 0.995 });
 * updater.step(); // after each optimizer step
 */
export class SoftUpdate {
  readonly loss: LossModule;
  readonly eps: number;

  constructor(loss: LossModule, options: SoftUpdateOptions) {
    checkOptions("SoftUpdate", options, SOFT_UPDATE_OPTION_KEYS);
    const hasEps = options.eps !== undefined;
    const hasTau = options.tau !== undefined;
    if (hasEps === hasTau) {
      throw new Error(
        `SoftUpdate(${loss.name}): give exactly one of eps and tau, got ${hasEps ? `eps ${options.eps} and tau ${options.tau}` : "neither"}`,
      );
    }
    const eps = hasEps ? options.eps! : 1 - options.tau!;
    const given = hasEps ? `eps ${options.eps}` : `tau ${options.tau}`;
    if (!(Number.isFinite(eps) && eps >= 0 && eps <= 1))
      throw new Error(`SoftUpdate(${loss.name}): ${given} is outside [0, 1]`);
    if (!loss.delayValue)
      throw new Error(
        `SoftUpdate(${loss.name}): the loss was made with delayValue false, so it has no target parameters to update`,
      );
    this.loss = loss;
    this.eps = eps;
  }

  /** `1 - eps`: the weight of the online parameters. */
  get tau(): number {
    return 1 - this.eps;
  }

  /** One Polyak step on every target parameter. */
  step(): void {
    lerpParams(this.loss.targetModule(), this.loss, 1 - this.eps);
  }
}
