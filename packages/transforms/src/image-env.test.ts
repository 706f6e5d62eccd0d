// The image transforms inside a TransformedEnv: specs stay right (checkEnvSpecs) on a single and a batched
// pixel CartPole, partial resets transform only what the env produced, and nothing leaks or is written in place.
import { CartPoleEnv, checkEnvSpecs } from "@tdrl/envs";
import { Bounded, Composite, HostArray, TensorDict, Unbounded, type TensorSpec } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { CenterCrop } from "./center-crop";
import { Compose } from "./compose";
import { Crop } from "./crop";
import { GrayScale } from "./gray-scale";
import { Resize } from "./resize";
import { ToTensorImage } from "./to-tensor-image";
import type { Transform } from "./transform";
import { TransformedEnv } from "./transformed-env";

const chains: Record<string, () => Transform[]> = {
  "ToTensorImage()": () => [new ToTensorImage()],
  "ToTensorImage({ channelsFirst })": () => [new ToTensorImage({ channelsFirst: true })],
  "ToTensorImage, GrayScale": () => [new ToTensorImage(), new GrayScale()],
  "ToTensorImage, GrayScale, Resize(84, 84) channels first": () => [
    new ToTensorImage({ channelsFirst: true }),
    new GrayScale({ channelsFirst: true }),
    new Resize(84, 84, { channelsFirst: true }),
  ],
  "ToTensorImage, Resize(20, 30, nearest)": () => [
    new ToTensorImage(),
    new Resize(20, 30, { interpolation: "nearest" }),
  ],
  "ToTensorImage, Resize(21, 17, area)": () => [new ToTensorImage(), new Resize(21, 17, { interpolation: "area" })],
  "Crop(50, 40) on uint8": () => [new Crop(50, 40, { top: 10, left: 5 })],
  "Crop past the edge": () => [new ToTensorImage(), new Crop(50, 40, { top: -10, left: 580 })],
  "CenterCrop(64, 48) on uint8": () => [new CenterCrop(64, 48)],
};

const pixelEnv = (batchSize: number[]) =>
  new CartPoleEnv({ batchSize, fromPixels: true, renderSize: [30, 45], seed: 3 });

describe("image transforms in a TransformedEnv", () => {
  for (const [name, make] of Object.entries(chains)) {
    it(`${name}: checkEnvSpecs passes on a single and a batched CartPole`, () => {
      checkEnvSpecs(new TransformedEnv(pixelEnv([]), new Compose(...make())), { steps: 12 });
      checkEnvSpecs(new TransformedEnv(pixelEnv([3]), new Compose(...make())), { steps: 12 });
    });
  }

  it("checkEnvSpecs passes on full 400x600 frames through the flagship image chain, creating no tensors", async () => {
    await initBackend();
    const env = new TransformedEnv(
      new CartPoleEnv({ batchSize: [2], fromPixels: true }),
      new Compose(new ToTensorImage(), new GrayScale(), new Resize(84, 84)),
    );
    const tensors = tf.memory().numTensors;
    checkEnvSpecs(env, { steps: 3 });
    env.rollout(5);
    expect(tf.memory().numTensors).toBe(tensors);
    expect((env.observationSpec.get("pixels") as TensorSpec).shape).toEqual([2, 84, 84, 1]);
  });

  it("gives specs of the right kind, shape, dtype and bounds", () => {
    const env = new TransformedEnv(
      pixelEnv([2]),
      new Compose(
        new ToTensorImage({ channelsFirst: true }),
        new GrayScale({ channelsFirst: true }),
        new Resize(7, 5, { channelsFirst: true }),
      ),
    );
    const spec = env.observationSpec.get("pixels") as TensorSpec;
    expect(spec).toBeInstanceOf(Unbounded);
    expect([spec.shape, spec.dtype]).toEqual([[2, 1, 5, 7], "float32"]);
    // A Bounded byte spec becomes a Bounded float spec [low / 255, high / 255], kept by resizing.
    const byteSpec = () =>
      new Composite({ frame: new Bounded({ low: 10, high: 200, shape: [4, 6, 6, 3], dtype: "uint8" }) }, [4]);
    const chain = new Compose(
      new ToTensorImage({ inKeys: ["frame"] }),
      new GrayScale({ inKeys: ["frame"] }),
      new Resize(3, 2, { inKeys: ["frame"] }),
    );
    const out = chain.transformObservationSpec(byteSpec()).get("frame");
    expect(out).toBeInstanceOf(Bounded);
    const b = out as Bounded;
    expect([b.shape, b.dtype, b.low.data[0], b.high.data[0]]).toEqual([
      [4, 2, 3, 1],
      "float32",
      0,
      Math.fround(200 / 255),
    ]);
    // A crop reaching outside the image adds 0 to the bounds; one inside keeps them.
    const crop = (top: number) =>
      (new Crop(4, 4, { inKeys: ["frame"], top }).transformObservationSpec(byteSpec()).get("frame") as Bounded).low
        .data[0];
    expect([crop(0), crop(3)]).toEqual([10, 0]);
  });

  it("transforms a partial reset's frames so that the carts not reset keep theirs", () => {
    const chain = () => new Compose(new ToTensorImage(), new GrayScale(), new Resize(12, 10));
    const env = new TransformedEnv(new CartPoleEnv({ batchSize: [2], fromPixels: true, seed: 5 }), chain());
    env.reset();
    const base = env.baseEnv as CartPoleEnv;
    base.setState(0, [0, 0, 0.25, 0]); // past 12 degrees: done after one step
    const [stepped, root] = env.stepAndMaybeReset(
      TensorDict.from({ action: HostArray.from("int32", [2], [0, 0]) }, [2]),
    );
    expect(stepped.getHost("next.done").data[0]).toBe(1);
    const before = stepped.getHost("next.pixels").data;
    const after = root.getHost("pixels").data;
    expect(root.getHost("pixels").shape).toEqual([2, 10, 12, 1]);
    const frame = 10 * 12;
    expect(Array.from(after.subarray(frame))).toEqual(Array.from(before.subarray(frame)));
    expect(Array.from(after.subarray(0, frame))).not.toEqual(Array.from(before.subarray(0, frame)));
    // The reset cart's frame is the chain applied to the base env's frame of its new state.
    const expected = chain()
      .forward(new TensorDict({ pixels: base.render(0) }))
      .getHost("pixels").data;
    expect(Array.from(after.subarray(0, frame))).toEqual(Array.from(expected));
  });
});
