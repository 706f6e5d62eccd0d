/**
 * The flagship's network and loss, in a module of their own: `buildFlagship` makes them on the main thread,
 * and the `DataParallelLearner`'s worker thread imports `makeFlagshipLoss` to build its copy (a worker
 * imports a module; it cannot receive the main thread's objects). Kept free of envs and trainers, so the
 * worker loads little.
 */
import { Rng } from "@tdrl/tensordict";
import { RecurrentDQNLoss } from "@tdrl/losses";
import type { LossFactory } from "@tdrl/trainers";
import { recurrentQNetwork, type RecurrentQNetwork } from "./core/q-network";
import type { FlagshipConfig } from "./flagship-config";

/** The recurrent Q-network of `config` (weights from `rng`) and its double-DQN loss with burn-in. */
export function flagshipLoss(config: FlagshipConfig, rng: Rng): { net: RecurrentQNetwork; loss: RecurrentDQNLoss } {
  const net = recurrentQNetwork({
    frameSize: config.frameSize,
    numActions: 2,
    conv: config.conv,
    lstmHidden: config.lstmHidden,
    headCells: config.headCells,
    rng,
    ...(config.lstmRecurrence === undefined ? {} : { lstmRecurrence: config.lstmRecurrence }),
  });
  const loss = new RecurrentDQNLoss(net.training, {
    lossFunction: "smoothL1",
    doubleDqn: true,
    gamma: config.gamma,
    burnIn: config.burnIn,
  });
  return { net, loss };
}

/** The worker's copy of the flagship loss (its weights are replaced before every step). */
export const makeFlagshipLoss: LossFactory<FlagshipConfig> = (config) => flagshipLoss(config, new Rng(0)).loss;
