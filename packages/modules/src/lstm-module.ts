import type * as tf from "@tensorflow/tfjs-core";
import { lstmUnroll, type LstmLayerWeights } from "./lstm-cell";
import type { LstmRecurrence } from "./lstm-sequence-kernel";
import type { RecurrentMode } from "./recurrent-io";
import {
  RECURRENT_MODULE_OPTION_KEYS,
  RecurrentModule,
  type RecurrentModuleOptions,
  type RecurrentUnrollResult,
} from "./recurrent-module";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const LSTM_MODULE_OPTION_KEYS = {
  ...RECURRENT_MODULE_OPTION_KEYS,
  hKey: true,
  cKey: true,
  recurrence: true,
} satisfies OptionKeys<LSTMModuleOptions>;

export interface LSTMModuleOptions extends RecurrentModuleOptions<LSTMModule> {
  /** Default "recurrent_state_h". */
  hKey?: string;
  /** Default "recurrent_state_c". */
  cKey?: string;
  /**
   * How the recurrence runs: "auto" (default) the fused WebAssembly kernel on the wasm backend, the
   * per-step path elsewhere; "per-step" always the per-step path. Same results to ~1e-7.
   */
  recurrence?: LstmRecurrence;
}

/**
 * A multi-layer LSTM on TensorDicts (TorchRL's `LSTMModule`), with its own cell: PyTorch's gate order
 * (i, f, g, o) and parameters (`weight_ih_l{k}` [4H, I], `weight_hh_l{k}` [4H, H], `bias_ih_l{k}`,
 * `bias_hh_l{k}`), so a PyTorch `nn.LSTM` state dict loads as it is.
 *
 * Keys as TorchRL: reads `[inKey, "recurrent_state_h", "recurrent_state_c", "is_init"]`, writes
 * `[outKey, ["next", "recurrent_state_h"], ["next", "recurrent_state_c"]]`; states are `[..., numLayers,
 * hiddenSize]` per sample. Missing states start at zero; a missing `is_init` means no episode starts.
 *
 * - **step mode**: one step per call on batch `[...B]`; the state is zeroed where `is_init` is set.
 * - **sequence mode**: batch `[...B, T]`; the initial state is the one at step 0, and the state is zeroed
 *   at every step where `is_init` is set, also inside a sequence. Unlike TorchRL (which pads the next
 *   states with zeros), the next states of every step are written.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs-core";
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * const lstm = new LSTMModule({ inputSize: 4, hiddenSize: 8, inKey: "embed", outKey: "features", rng: new Rng(0) });
 * const step = new TensorDict({ embed: HostArray.zeros("float32", [2, 4]), is_init: HostArray.full("bool", [2, 1], true) }, [2]);
 * lstm.forward(step).getTensor(["next", "recurrent_state_h"]).shape; // [2, 1, 8]
 * const train = lstm.withMode("sequence"); // same weights, [B, T] batches
 * step.dispose();
 */
export class LSTMModule extends RecurrentModule {
  private readonly options: LSTMModuleOptions;

  constructor(options: LSTMModuleOptions) {
    checkOptions("LSTMModule", options, LSTM_MODULE_OPTION_KEYS);
    const recurrence = options.recurrence ?? "auto";
    if (recurrence !== "auto" && recurrence !== "per-step")
      throw new Error(`LSTMModule: recurrence must be "auto" or "per-step", got ${JSON.stringify(recurrence)}`);
    super("LSTMModule", 4, [options.hKey ?? "recurrent_state_h", options.cKey ?? "recurrent_state_c"], options);
    this.options = { ...options };
  }

  /** The same module in another mode, sharing the parameters (TorchRL's `set_recurrent_mode`). */
  withMode(mode: RecurrentMode): LSTMModule {
    return new LSTMModule({ ...this.options, mode, shareParamsWith: this });
  }

  /** The same module (mode and parameters shared) with its recurrence run another way. */
  withRecurrence(recurrence: LstmRecurrence): LSTMModule {
    return new LSTMModule({ ...this.options, recurrence, shareParamsWith: this });
  }

  protected unroll(x: tf.Tensor3D, [h0, c0]: tf.Tensor3D[], isInit: ArrayLike<number> | null): RecurrentUnrollResult {
    const r = lstmUnroll(x, h0!, c0!, this.layers as unknown as LstmLayerWeights[], isInit, this.options.recurrence);
    return { output: r.output, states: [r.h, r.c] };
  }
}
