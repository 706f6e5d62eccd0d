import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tdrl/tensordict";
import {
  ConvNet,
  DuelingHead,
  LSTMModule,
  MLP,
  TensorDictModule,
  TensorDictSequential,
  natureCnn,
  type LstmRecurrence,
  type TensorDictModuleBase,
} from "@tdrl/modules";

/** The Q-network of the state programs: an MLP trunk and either a linear or a dueling head. */
export interface MlpQNetworkOptions {
  inFeatures: number;
  numActions: number;
  /** Hidden layer sizes of the trunk. */
  numCells: readonly number[];
  /** `Q = V + A - mean(A)` on top of the trunk (the trunk then ends activated). */
  dueling: boolean;
  /** Input key. Default "observation". */
  inKey?: string;
  rng: Rng;
}

/**
 * Builds `inKey -> action_value`. With `dueling`, the last hidden layer feeds a `DuelingHead` (Wang et al.
 * 2016); otherwise the MLP ends in a linear layer of `numActions`.
 *
 * @example
 * import { Rng } from "@tdrl/tensordict";
 * const qnet = mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: [64, 64], dueling: true, rng: new Rng(0) });
 * [...qnet.parameters().keys()].length; // trunk and both streams
 */
export function mlpQNetwork(options: MlpQNetworkOptions): TensorDictModuleBase {
  const { inFeatures, numActions, numCells, dueling, rng } = options;
  const inKey = options.inKey ?? "observation";
  if (numCells.length === 0) throw new Error(`mlpQNetwork: numCells must name at least one hidden layer, got []`);
  if (!dueling) {
    const mlp = new MLP({ inFeatures, outFeatures: numActions, numCells, activation: "relu", rng });
    return new TensorDictModule(mlp, { inKeys: [inKey], outKeys: ["action_value"], name: "QNetwork" });
  }
  const trunkCells = numCells.slice(0, -1);
  const last = numCells[numCells.length - 1]!;
  const trunk = new MLP({
    inFeatures,
    outFeatures: last,
    numCells: trunkCells,
    activation: "relu",
    activateLast: true,
    rng,
  });
  const head = new DuelingHead({ inFeatures: last, numActions, numCells: [], rng });
  return new TensorDictSequential(
    new TensorDictModule(trunk, { inKeys: [inKey], outKeys: ["features"], name: "trunk" }),
    new TensorDictModule(head, { inKeys: ["features"], outKeys: ["action_value"], name: "dueling" }),
  );
}

/** The pixel Q-network: Nature-DQN conv trunk on `[..., 84, 84, C]` uint8 frames (scaled to [0, 1] inside), then an MLP head. */
export interface ConvQNetworkOptions {
  inChannels: number;
  numActions: number;
  /** Hidden sizes of the head after the 3136 conv features. */
  headCells: readonly number[];
  inKey?: string;
  rng: Rng;
}

/**
 * Builds `pixels -> action_value` with `natureCnn` (84x84 input, 3136 features) and an MLP head.
 *
 * @example
 * import { Rng } from "@tdrl/tensordict";
 * const qnet = convQNetwork({ inChannels: 4, numActions: 2, headCells: [256], rng: new Rng(0) });
 * qnet.outKeys; // ["action_value"]
 */
export function convQNetwork(options: ConvQNetworkOptions): TensorDictModuleBase {
  const { inChannels, numActions, headCells, rng } = options;
  const inKey = options.inKey ?? "pixels";
  const cnn = natureCnn({ inChannels, rng });
  const head = new MLP({ inFeatures: 3136, outFeatures: numActions, numCells: headCells, activation: "relu", rng });
  // Frames stay uint8 in the replay buffer (4x less memory than float32); they are scaled on the backend.
  const scale = new TensorDictModule((x: tf.Tensor) => tf.div(tf.cast(x, "float32"), 255), {
    inKeys: [inKey],
    outKeys: ["scaled"],
    name: "scale",
  });
  return new TensorDictSequential(
    scale,
    new TensorDictModule(cnn, { inKeys: ["scaled"], outKeys: ["features"], name: "cnn" }),
    new TensorDictModule(head, { inKeys: ["features"], outKeys: ["action_value"], name: "head" }),
  );
}

/** The flagship's recurrent Q-network: conv trunk -> LSTM -> MLP head. */
export interface RecurrentQNetworkOptions {
  /** Square frame side (pixels are `[..., size, size, 1]`). */
  frameSize: number;
  numActions: number;
  /** Conv layers: channels, kernel and stride of each (no padding). */
  conv: { channels: number[]; kernels: number[]; strides: number[] };
  lstmHidden: number;
  headCells: readonly number[];
  rng: Rng;
  /** How the LSTM runs its recurrence (default "auto": the fused kernel on wasm); see `LSTMModuleOptions`. */
  lstmRecurrence?: LstmRecurrence;
}

/** The acting (step mode) and training (sequence mode) views of one recurrent Q-network; they share variables. */
export interface RecurrentQNetwork {
  acting: TensorDictModuleBase;
  training: TensorDictModuleBase;
  lstm: LSTMModule;
  /** Features after the conv trunk. */
  convFeatures: number;
}

/**
 * Builds `pixels -> features -> LSTM -> embed -> action_value` twice over the same variables: with the
 * LSTM in step mode for acting (`[B]` records) and in sequence mode for the loss (`[B, T]` slices).
 *
 * @example
 * import { Rng } from "@tdrl/tensordict";
 * const net = recurrentQNetwork({ frameSize: 48, numActions: 2, conv: { channels: [16, 32], kernels: [8, 4], strides: [4, 2] }, lstmHidden: 32, headCells: [], rng: new Rng(0) });
 * net.convFeatures; // 4 * 4 * 32 = 512
 */
export function recurrentQNetwork(options: RecurrentQNetworkOptions): RecurrentQNetwork {
  const { frameSize, numActions, conv, lstmHidden, headCells, rng } = options;
  const cnn = new ConvNet({
    inChannels: 1,
    numCells: conv.channels,
    kernelSizes: conv.kernels,
    strides: conv.strides,
    activation: "relu",
    aggregator: "flatten",
    rng,
  });
  let convFeatures: number;
  try {
    convFeatures = cnn.outFeatures(frameSize, frameSize);
  } catch (error) {
    cnn.dispose();
    throw new Error(`recurrentQNetwork: frameSize ${frameSize}: ${(error as Error).message}`);
  }
  const lstm = new LSTMModule({
    inputSize: convFeatures,
    hiddenSize: lstmHidden,
    inKey: "features",
    outKey: "embed",
    rng,
    ...(options.lstmRecurrence === undefined ? {} : { recurrence: options.lstmRecurrence }),
  });
  const head = new MLP({
    inFeatures: lstmHidden,
    outFeatures: numActions,
    numCells: headCells,
    activation: "relu",
    rng,
  });
  const cnnModule = new TensorDictModule(cnn, { inKeys: ["pixels"], outKeys: ["features"], name: "cnn" });
  const headModule = new TensorDictModule(head, { inKeys: ["embed"], outKeys: ["action_value"], name: "head" });
  return {
    acting: new TensorDictSequential(cnnModule, lstm, headModule),
    training: new TensorDictSequential(cnnModule, lstm.withMode("sequence"), headModule),
    lstm,
    convFeatures,
  };
}
