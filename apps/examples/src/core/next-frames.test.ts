import { describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { LazyTensorStorage, RandomSampler, TensorDictReplayBuffer } from "@tdrl/buffers";
import { NextFrames } from "./next-frames";

/** Batches of a fake pixel env: each env's frames count up; an episode end shows a terminal frame, then a reset one. */
function* batches(numEnvs: number, T: number, rng: Rng) {
  const current = Array.from({ length: numEnvs }, (_, e) => e * 1000);
  for (;;) {
    const pixels = new HostArray("uint8", [numEnvs, T, 2]);
    const next = new HostArray("uint8", [numEnvs, T, 2]);
    const done = new HostArray("bool", [numEnvs, T, 1]);
    for (let e = 0; e < numEnvs; e++) {
      for (let t = 0; t < T; t++) {
        const k = e * T + t;
        pixels.data.set([current[e]! % 256, Math.floor(current[e]! / 256) % 256], 2 * k);
        const end = rng.uniform() < 0.2;
        done.data[k] = end ? 1 : 0;
        const after = current[e]! + 1;
        next.data.set(end ? [255, 255] : [after % 256, Math.floor(after / 256) % 256], 2 * k);
        current[e] = end ? after + 7 : after; // a reset frame differs from the terminal one
      }
    }
    yield { pixels, next, done };
  }
}

describe("NextFrames", () => {
  it("rebuilds every stored step's next frame, across episode ends, the newest row and the ring's wrap, and through a checkpoint", () => {
    const numEnvs = 3;
    const T = 4;
    const buffer = (storage: LazyTensorStorage) =>
      new TensorDictReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(1) }), batchSize: 4 });
    const storage = new LazyTensorStorage(3 * 10, { ndim: 2 }); // 10 rows: wraps every 2.5 batches
    const full = new LazyTensorStorage(3 * 10, { ndim: 2 });
    const [stored, reference] = [buffer(storage), buffer(full)];
    let frames = new NextFrames(numEnvs, 10, 2);
    const source = batches(numEnvs, T, new Rng(0));
    for (let b = 0; b < 9; b++) {
      const { pixels, next, done } = source.next().value!;
      frames.add(pixels, next, done, storage.writeCursor);
      stored.extend(new TensorDict({ pixels }, [numEnvs, T]));
      reference.extend(new TensorDict({ pixels, next: { pixels: next } }, [numEnvs, T]));
      if (b === 4) {
        const restored = new NextFrames(numEnvs, 10, 2);
        restored.loadState(structuredClone(frames.state()));
        frames = restored;
      }
      const index = Int32Array.from({ length: storage.length }, (_, i) => i);
      expect(Array.from(frames.nextPixels(storage, index, "pixels").data)).toEqual(
        Array.from(full.getLeaf("next.pixels", index).data),
      );
      expect(frames.size).toBeLessThan(storage.length);
      // Slices along each env's stream, as a slice sampler draws them: the next frames mostly come from the batch itself.
      const slices = Int32Array.from(
        Array.from({ length: numEnvs * 10 }, (_, i) => (i % 10) * numEnvs + Math.floor(i / 10)).filter(
          (f) => f < storage.length,
        ),
      );
      const out = new HostArray("uint8", [slices.length, 2]);
      const got = frames.nextPixels(storage, slices, "pixels", { sampled: storage.getLeaf("pixels", slices), out });
      expect(got).toBe(out);
      expect(Array.from(out.data)).toEqual(Array.from(full.getLeaf("next.pixels", slices).data));
    }
  });

  it("refuses sampled frames or an out of the wrong size, naming them", () => {
    const storage = new LazyTensorStorage(8, { ndim: 2 });
    const frames = new NextFrames(1, 8, 1);
    const index = Int32Array.from([0, 1]);
    expect(() => frames.nextPixels(storage, index, "pixels", { sampled: HostArray.zeros("uint8", [3]) })).toThrow(
      "sampled must be uint8 frames of the 2 steps (2 bytes), got uint8 of 3",
    );
    expect(() => frames.nextPixels(storage, index, "pixels", { out: HostArray.zeros("uint8", [1]) })).toThrow(
      "out has 1 bytes, 2 frames need 2",
    );
  });

  it("refuses a batch whose next frames are not the following steps' frames", () => {
    const frames = new NextFrames(1, 8, 1);
    const u8 = (v: number[]) => HostArray.from("uint8", [1, v.length, 1], v);
    const notDone = HostArray.from("bool", [1, 3, 1], [0, 0, 0]);
    expect(() => frames.add(u8([1, 2, 3]), u8([2, 5, 4]), notDone, 0)).toThrow(
      "env 0 step 1: next.pixels is not the following step's pixels",
    );
  });
});
