// @tdrl/modules: TensorDict modules (TorchRL's tensordict.nn and torchrl.modules) on TensorFlow.js.

export {
  type HasParameters,
  namedParameters,
  paramList,
  collectParameters,
  makeVariable,
  copyParams,
  lerpParams,
} from "./parameters";
export { type NestedKey, keyName } from "./keys";
export {
  TensorDictModule,
  type TensorDictModuleBase,
  type TensorDictModuleOptions,
  type Model,
  type TensorFn,
} from "./tensordict-module";
export { TensorDictSequential, type TensorDictSequentialOptions } from "./tensordict-sequential";
export type { Activation, ActivationName } from "./activation";
export { MLP, type MLPOptions } from "./mlp";
export { ConvNet, natureCnn, type ConvNetOptions, type NatureCnnOptions } from "./conv-net";
export type { RecurrentMode } from "./recurrent-io";
export { LSTMModule, type LSTMModuleOptions } from "./lstm-module";
export type { LstmRecurrence } from "./lstm-sequence-kernel";
export { GRUModule, type GRUModuleOptions } from "./gru-module";
export { type DiscreteActionSpec, discreteActionSpec } from "./action-spec";
export { QValueModule, type QValueModuleOptions, type ActionSpace } from "./q-value-module";
export { DuelingHead, type DuelingHeadOptions } from "./dueling-head";
export { EGreedyModule, type EGreedyModuleOptions, type EGreedyModuleState } from "./e-greedy-module";
/** Re-exported from `@tdrl/tensordict`, where collectors read it too. */
export type { ExplorationType } from "@tdrl/tensordict";
export { saveWeights, loadWeights, readSafetensorsHeader, type SafetensorsEntry } from "./safetensors";
