import * as tf from "@tensorflow/tfjs-core";

type Shape4D = [number, number, number, number];

/** The attributes the Conv2D backprop kernels receive (tfjs's Conv2DBackpropFilterAttrs / InputAttrs). */
export interface BackpropConvAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  dilations?: [number, number] | number;
}

/**
 * Validates a backprop kernel's attributes and computes tfjs's own convolution geometry for them (output
 * size and the padding split, top = floor(total / 2) for `same`), so the replacement kernels pad exactly as
 * the forward Conv2D did.
 *
 * @example
 * ```ts
 * const info = backpropConvGeometry("Conv2DBackpropInput", [1, 84, 84, 1], [8, 8, 1, 32],
 *   { strides: 4, pad: "valid", dataFormat: "NHWC" });
 * info.outHeight; // 20
 * ```
 */
export function backpropConvGeometry(
  kernelName: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: BackpropConvAttrs,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat !== "NHWC") {
    throw new Error(
      `tdrl wasm ${kernelName}: dataFormat '${String(
        attrs.dataFormat,
      )}' is not supported; only 'NHWC' (channels last) is`,
    );
  }
  const dilations = attrs.dilations ?? 1;
  const [dh, dw] = typeof dilations === "number" ? [dilations, dilations] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new Error(`tdrl wasm ${kernelName}: dilations [${dh}, ${dw}] are not supported; only 1 is`);
  }
  if (inputShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `tdrl wasm ${kernelName}: expected rank-4 input and filter shapes, got [${inputShape.join(
        ", ",
      )}] and [${filterShape.join(", ")}]`,
    );
  }
  return tf.backend_util.computeConv2DInfo(
    [...inputShape] as Shape4D,
    [...filterShape] as Shape4D,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
}
