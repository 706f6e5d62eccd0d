import type * as tf from "@tensorflow/tfjs-core";
import { gruUnroll, type GruLayerWeights } from "./gru-cell";
import type { RecurrentMode } from "./recurrent-io";
import {
  RECURRENT_MODULE_OPTION_KEYS,
  RecurrentModule,
  type RecurrentModuleOptions,
  type RecurrentUnrollResult,
} from "./recurrent-module";
import { checkOptions, type OptionKeys } from "@tdrl/tensordict";

const GRU_MODULE_OPTION_KEYS = {
  ...RECURRENT_MODULE_OPTION_KEYS,
  stateKey: true,
} satisfies OptionKeys<GRUModuleOptions>;

export interface GRUModuleOptions extends RecurrentModuleOptions<GRUModule> {
  /** Default "recurrent_state". */
  stateKey?: string;
}

/**
 * A multi-layer GRU on TensorDicts (TorchRL's `GRUModule`): PyTorch's gate order (r, z, n), equations and
 * parameters (`weight_ih_l{k}` [3H, I], `weight_hh_l{k}` [3H, H], `bias_ih_l{k}`, `bias_hh_l{k}`). Reads
 * `[inKey, "recurrent_state", "is_init"]`, writes `[outKey, ["next", "recurrent_state"]]`; the state is
 * `[..., numLayers, hiddenSize]`. Step and sequence modes work as in `LSTMModule`.
 *
 * @example
 * import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * const gru = new GRUModule({ inputSize: 4, hiddenSize: 8, inKey: "embed", outKey: "features", mode: "sequence", rng: new Rng(0) });
 * const td = new TensorDict({ embed: HostArray.zeros("float32", [2, 5, 4]), is_init: HostArray.zeros("bool", [2, 5]) }, [2, 5]);
 * gru.forward(td).getTensor(["next", "recurrent_state"]).shape; // [2, 5, 1, 8]
 * td.dispose();
 */
export class GRUModule extends RecurrentModule {
  private readonly options: GRUModuleOptions;

  constructor(options: GRUModuleOptions) {
    checkOptions("GRUModule", options, GRU_MODULE_OPTION_KEYS);
    super("GRUModule", 3, [options.stateKey ?? "recurrent_state"], options);
    this.options = { ...options };
  }

  /** The same module in another mode, sharing the parameters. */
  withMode(mode: RecurrentMode): GRUModule {
    return new GRUModule({ ...this.options, mode, shareParamsWith: this });
  }

  protected override sizeMismatch(): string {
    return "shareParamsWith has a different inputSize, hiddenSize or numLayers";
  }

  protected unroll(x: tf.Tensor3D, [h0]: tf.Tensor3D[], isInit: ArrayLike<number> | null): RecurrentUnrollResult {
    const r = gruUnroll(x, h0!, this.layers as unknown as GruLayerWeights[], isInit);
    return { output: r.output, states: [r.h] };
  }
}
