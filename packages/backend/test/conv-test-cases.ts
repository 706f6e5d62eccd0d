import * as tf from "@tensorflow/tfjs-core";
import { TestRng } from "./kernel-test-support";

/** One convolution configuration the backprop kernel tests check against the cpu backend. */
export interface ConvCase {
  readonly name: string;
  readonly xShape: [number, number, number, number];
  readonly filterShape: [number, number, number, number];
  readonly strides: [number, number];
  readonly pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: "floor" | "round" | "ceil";
  /** dy's shape, from tfjs's own geometry. */
  readonly dyShape: [number, number, number, number];
}

function makeCase(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: ConvCase["pad"],
  dimRoundingMode?: "floor" | "round" | "ceil",
): ConvCase {
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode);
  const padName = typeof pad === "object" ? `explicit ${JSON.stringify(pad.slice(1, 3))}` : String(pad);
  return {
    name: `x[${xShape}] w[${filterShape}] s[${strides}] ${padName}${dimRoundingMode ? ` ${dimRoundingMode}` : ""}`,
    xShape,
    filterShape,
    strides,
    pad,
    ...(dimRoundingMode ? { dimRoundingMode } : {}),
    dyShape: info.outShape,
  };
}

/**
 * Hand-picked cases (Nature-DQN's layers at batch 2, strides larger than the filter, uneven strides,
 * numeric and explicit padding) plus seeded random ones: strides 1-4, valid and same, batch 1 and more,
 * filter sizes 1-5 and channel counts 1-5 on non-square inputs.
 *
 * @example
 * ```ts
 * it.each(convCases())("$name", (c) => { ... });
 * ```
 */
export function convCases(): ConvCase[] {
  const cases: ConvCase[] = [
    makeCase([2, 84, 84, 1], [8, 8, 1, 4], [4, 4], "valid"),
    makeCase([2, 20, 20, 4], [4, 4, 4, 6], [2, 2], "valid"),
    makeCase([2, 9, 9, 6], [3, 3, 6, 5], [1, 1], "valid"),
    makeCase([1, 7, 9, 2], [2, 2, 2, 3], [3, 3], "valid"),
    makeCase([2, 11, 6, 3], [3, 2, 3, 2], [4, 1], "same"),
    makeCase([1, 10, 13, 2], [3, 3, 2, 2], [2, 3], 1),
    makeCase([2, 9, 8, 1], [4, 3, 1, 2], [2, 2], 2, "ceil"),
    makeCase(
      [1, 8, 10, 2],
      [3, 4, 2, 3],
      [2, 1],
      [
        [0, 0],
        [1, 2],
        [0, 3],
        [0, 0],
      ],
    ),
    makeCase([3, 5, 5, 2], [1, 1, 2, 3], [2, 2], "same"),
    makeCase([1, 12, 12, 1], [5, 5, 1, 1], [4, 4], "same"),
  ];
  const rng = new TestRng(20240611);
  while (cases.length < 40) {
    const s = rng.int(1, 4);
    const kh = rng.int(1, 5);
    const kw = rng.int(1, 5);
    const pad = rng.pick(["valid", "same"] as const);
    const h = rng.int(kh, kh + 3 * s + 4);
    let w = rng.int(kw, kw + 3 * s + 4);
    if (w === h) w += 1;
    const batch = rng.pick([1, 2, 3]);
    const inC = rng.int(1, 5);
    cases.push(makeCase([batch, h, w, inC], [kh, kw, inC, rng.int(1, 5)], [s, s], pad));
  }
  return cases;
}
