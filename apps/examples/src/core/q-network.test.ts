import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { recurrentQNetwork } from "./q-network";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("recurrentQNetwork", () => {
  const conv = { channels: [4, 8], kernels: [8, 4], strides: [4, 2] };

  it("sizes the LSTM input from ConvNet.outFeatures", () => {
    const net = recurrentQNetwork({
      frameSize: 36,
      numActions: 2,
      conv,
      lstmHidden: 4,
      headCells: [],
      rng: new Rng(0),
    });
    // 36 -> floor((36 - 8) / 4) + 1 = 8 -> floor((8 - 4) / 2) + 1 = 3; 3 * 3 * 8 channels.
    expect(net.convFeatures).toBe(72);
    expect(net.lstm.inputSize).toBe(72);
    for (const v of net.acting.parameters().values()) v.dispose();
  });

  it("names the frame size when the convs shrink it to nothing, and frees what it made", () => {
    const before = tf.memory().numTensors;
    expect(() =>
      recurrentQNetwork({ frameSize: 10, numActions: 2, conv, lstmHidden: 4, headCells: [], rng: new Rng(0) }),
    ).toThrow(/^recurrentQNetwork: frameSize 10: ConvNet: an input of 10x10 is too small for the layers/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
