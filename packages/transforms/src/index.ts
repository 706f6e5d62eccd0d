// @tdrl/transforms: the Transform contract, Compose and TransformedEnv, and the env transforms.

export { Transform, type TransformKeys, type TransformContainer } from "./transform";
export { Compose } from "./compose";
export { TransformedEnv, type TransformedEnvOptions, type TransformedEnvConstructor } from "./transformed-env";
export type { AddedKeys, WithAddedKeys, ChainAddedKeys } from "./added-keys";
export { ToTensorImage } from "./to-tensor-image";
export { GrayScale } from "./gray-scale";
export { Resize, type ResizeOptions } from "./resize";
export { Crop, type CropOptions } from "./crop";
export { CenterCrop } from "./center-crop";
export type { ImageTransformOptions } from "./image-transform";
export type { Interpolation } from "./resize-kernels";
export { StepCounter, type StepCounterOptions } from "./step-counter";
export { InitTracker, type InitTrackerOptions } from "./init-tracker";
export { RewardSum, type RewardSumOptions } from "./reward-sum";
export { TensorDictPrimer, type RecurrentStateSource, type TensorDictPrimerOptions } from "./tensordict-primer";
export { RewardScaling, type RewardScalingOptions } from "./reward-scaling";
export { RewardClipping, type RewardClippingOptions } from "./reward-clipping";
export { SignTransform, type SignTransformOptions } from "./sign-transform";
export { DTypeCast, type DTypeCastOptions } from "./dtype-cast";
export { Select, type SelectOptions } from "./select";
export { Exclude } from "./exclude";
export { Rename, type RenameOptions } from "./rename";
export { Unsqueeze, type UnsqueezeOptions } from "./unsqueeze";
export { FlattenObservation, type FlattenObservationOptions } from "./flatten-observation";
export {
  ObservationNorm,
  OBSERVATION_NORM_EPS,
  type ObservationNormOptions,
  type InitStatsOptions,
} from "./observation-norm";
export { VecNorm, type VecNormOptions, type VecNormState, type VecNormKeyState } from "./vec-norm";
export { CatFrames, type CatFramesOptions, type CatFramesPadding } from "./cat-frames";
export { FrameSkip, type FrameSkipOptions } from "./frame-skip";
export { NoopReset, type NoopResetOptions } from "./noop-reset";
