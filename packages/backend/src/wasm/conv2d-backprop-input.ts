import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { backpropConvGeometry, type BackpropConvAttrs } from "./conv-geometry";
import { heapWindowNHWC } from "./heap-window";
import { planSubPixelAxis, type SubPixelAxisPlan } from "./sub-pixel-plan";
import { asWasmBackend, withWasmScope } from "./wasm-kernel-scope";

interface InputAttrs extends BackpropConvAttrs {
  inputShape: [number, number, number, number];
}

/**
 * The input gradient of a 2-D convolution for the wasm backend, replacing tfjs's own, which is a scalar C++
 * loop (≈1.8 GFLOP/s at Nature-DQN sizes against 8-22 for the forward XNNPACK convolution).
 *
 * Sub-pixel (phase) decomposition, see {@link planSubPixelAxis}: the forward filter is rearranged into a
 * stride-1 filter of shape [taps_h, taps_w, outChannels, s_h·s_w·inChannels] whose output channels are the
 * s_h·s_w phases; one wasm Conv2D of dy with it does exactly the forward convolution's arithmetic (plus a few
 * zero taps when the filter size is not a multiple of the stride), then a reshape-transpose-reshape
 * interleaves the phases into image rows and columns. The alternative, inserting s−1 zeros between dy's
 * rows and columns and running one convolution with the flipped, in/out-swapped filter, spends s² times
 * the arithmetic on zeros; measured in one run at Nature-DQN sizes (batch 200) it took 1955 ms against
 * 20 ms here for 8×8/4 (its single output channel also starves XNNPACK) and 322 ms against 83 ms for
 * 4×4/2. At stride 1 the two are the same convolution.
 *
 * @example
 * ```ts
 * const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter },
 *   { strides: 4, pad: "valid", dataFormat: "NHWC", inputShape: [200, 84, 84, 1] });
 * ```
 */
export const conv2DBackpropInputWasm: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as InputAttrs;
    const info = backpropConvGeometry(tf.Conv2DBackpropInput, a.inputShape, filter.shape, a);
    const [batch, inHeight, inWidth, inChannels] = a.inputShape;
    const planH = planSubPixelAxis(inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
    const planW = planSubPixelAxis(inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
    const sh = planH.stride;
    const sw = planW.stride;

    return withWasmScope(backend, (scope) => {
      const phaseFilter = scope.track(subPixelFilter(backend, filter, planH, planW));
      let z = scope.run(
        tf.Conv2D,
        { x: dy, filter: phaseFilter },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [planH.padBefore, planH.padAfter],
            [planW.padBefore, planW.padAfter],
            [0, 0],
          ],
          dataFormat: "NHWC",
          dilations: [1, 1],
        },
      );
      if (sh * sw > 1) {
        // [b·n, m, ρh, ρw·c] -> [b·n, ρh, m, ρw·c] is the depth-to-space step in one rank-4 transpose.
        const grouped = scope.run(
          tf.Reshape,
          { x: z },
          { shape: [batch * planH.blocks, planW.blocks, sh, sw * inChannels] },
        );
        const interleaved = scope.run(tf.Transpose, { x: grouped }, { perm: [0, 2, 1, 3] });
        z = scope.run(
          tf.Reshape,
          { x: interleaved },
          { shape: [batch, planH.blocks * sh, planW.blocks * sw, inChannels] },
        );
      }
      if (z.shape[1] !== inHeight || z.shape[2] !== inWidth) {
        z = scope.track(heapWindowNHWC(backend, z, 0, 0, inHeight, inWidth));
      }
      return z;
    });
  },
};

/** Builds the stride-1 phase filter [taps_h, taps_w, outC, s_h·s_w·inC] from the forward filter [kh, kw, inC, outC]. */
function subPixelFilter(
  backend: BackendWasm,
  filter: tf.TensorInfo,
  planH: SubPixelAxisPlan,
  planW: SubPixelAxisPlan,
): tf.TensorInfo {
  const [, kw, inC, outC] = filter.shape as [number, number, number, number];
  const { taps: th, stride: sh } = planH;
  const { taps: tw, stride: sw } = planW;
  const phaseChannels = sh * sw * inC;
  const out = backend.makeOutput([th, tw, outC, phaseChannels], "float32");
  // Views after the allocation: a malloc may grow the heap and detach earlier views.
  const w = backend.typedArrayFromHeap(filter);
  const f = backend.typedArrayFromHeap(out);
  f.fill(0);
  for (let u = 0; u < th; u++) {
    for (let v = 0; v < tw; v++) {
      for (let rh = 0; rh < sh; rh++) {
        const i = planH.filterIndex[rh * th + u]!;
        if (i < 0) continue;
        for (let rw = 0; rw < sw; rw++) {
          const j = planW.filterIndex[rw * tw + v]!;
          if (j < 0) continue;
          const channelBase = (rh * sw + rw) * inC;
          for (let ci = 0; ci < inC; ci++) {
            const src = ((i * kw + j) * inC + ci) * outC;
            const dst = (u * tw + v) * outC * phaseChannels + channelBase + ci;
            for (let co = 0; co < outC; co++) f[dst + co * phaseChannels] = w[src + co]!;
          }
        }
      }
    }
  }
  return out;
}
