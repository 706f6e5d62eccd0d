import * as tf from "@tensorflow/tfjs-core";
import { backpropConvGeometry, type BackpropConvAttrs } from "./conv-geometry";
import { heapWindowNHWC } from "./heap-window";
import { asWasmBackend, withWasmScope } from "./wasm-kernel-scope";

interface FilterAttrs extends BackpropConvAttrs {
  filterShape: [number, number, number, number];
}

/**
 * The filter gradient of a 2-D convolution for the wasm backend, which has none of its own
 * (`Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'`).
 *
 * dW[i, j, ci, co] = Σ_{b,p,q} x[b, p·s + i − top, q·s + j − left, ci] · dy[b, p, q, co] is itself a
 * convolution once batch and channels trade places: with x as [ci, H, W, b] (the input, its "batch" being
 * the input channels) and dy as [p, q, b, co] (the filter), a stride-1 convolution with dilation s yields
 * [ci, i, j, co]. So the kernel is two transposes of the inputs, one wasm Conv2D (XNNPACK) and a transpose of
 * the small result. Padding of the forward convolution (`same`, numbers, explicit) is applied to x first,
 * with tfjs's own split; rows the forward pass never reached only produce filter rows past the filter
 * size, which are cropped.
 *
 * @example
 * ```ts
 * const dW = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy },
 *   { strides: 4, pad: "valid", dataFormat: "NHWC", filterShape: [8, 8, 1, 32] });
 * ```
 */
export const conv2DBackpropFilterWasm: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: ({ inputs, backend: rawBackend, attrs }) => {
    const backend = asWasmBackend(rawBackend);
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as FilterAttrs;
    const info = backpropConvGeometry(tf.Conv2DBackpropFilter, x.shape, a.filterShape, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const [, inHeight, inWidth] = x.shape as [number, number, number, number];
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Rows of padded x the forward pass read: (out - 1)·s + k; anything beyond is never needed.
    const bottom = Math.max(0, (info.outHeight - 1) * sh + kh - inHeight - top);
    const right = Math.max(0, (info.outWidth - 1) * sw + kw - inWidth - left);

    return withWasmScope(backend, (scope) => {
      let xT = scope.run(tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
      if (top > 0 || bottom > 0 || left > 0 || right > 0) {
        xT = scope.run(
          tf.PadV2,
          { x: xT },
          {
            paddings: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
      }
      const dyT = scope.run(tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      let grad = scope.run(
        tf.Conv2D,
        { x: xT, filter: dyT },
        { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [sh, sw] },
      );
      const [, gh, gw] = grad.shape as [number, number, number, number];
      if (gh !== kh || gw !== kw) grad = scope.track(heapWindowNHWC(backend, grad, 0, 0, kh, kw));
      return scope.run(tf.Transpose, { x: grad }, { perm: [1, 2, 0, 3] });
    });
  },
};
