// @tdrl/envs's browser-safe entry: the package's default export condition (browsers, bundlers). Node gets
// ./index.ts (the "node" condition and @tdrl/envs/node), which re-exports all of this and adds the
// Node-only parts. Add new exports here unless they need Node (browser-entry.test.ts lists those).

export {
  EnvBase,
  ACTION_KEY,
  REWARD_KEY,
  DONE_KEYS,
  type EnvSpecs,
  type EnvBaseOptions,
  type Policy,
} from "./env-base";
export type { RolloutOptions, RolloutCall } from "./rollout-args";
export { policyOutputToHost, runPolicyOnHost } from "./policy-output";
export { stepMdp, type StepMdpOptions } from "./step-mdp";
export { checkEnvSpecs, type CheckEnvSpecsOptions } from "./check-env-specs";
export { CountingEnv, type CountingEnvOptions } from "./counting-env";
export {
  CartPoleEnv,
  type CartPoleEnvOptions,
  type CartPoleVersion,
  type CartPoleObservationSchema,
  type CartPoleActionSchema,
} from "./cartpole/cartpole-env";
export type { DoneSchema, RewardSchema, StepSchema } from "./env-schema";
export type { KinematicsIntegrator } from "./cartpole/cartpole-physics";
export { SerialEnv, subEnvSeed, type SerialEnvOptions } from "./serial-env";
export {
  GymLikeEnv,
  type GymLike,
  type GymLikeEnvOptions,
  type GymResetOptions,
  type GymResetResult,
  type GymStepResult,
  type GymAction,
  type AsyncPolicy,
} from "./gym-like-env";
export {
  specFromSpace,
  type GymSpace,
  type BoxSpace,
  type DiscreteSpace,
  type MultiDiscreteSpace,
  type MultiBinarySpace,
  type GymDType,
  type SpaceValues,
  type NestedNumberArray,
} from "./gym-like-spaces";
export { ENV_STATE_VERSION, type EnvState } from "./env-state";
