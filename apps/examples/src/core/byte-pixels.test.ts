import { describe, expect, it } from "vitest";
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { ObservationNorm, ToTensorImage } from "@tdrl/transforms";
import { BytePixels } from "./byte-pixels";

/** The env's own pipeline on 8-bit frames: what `decode` must reproduce bit for bit. */
function envFloats(norm: ObservationNorm, bytes: HostArray<"uint8">): HostArray<"float32"> {
  const td = new TensorDict({ pixels: bytes }, []);
  return norm.forward(new ToTensorImage().forward(td)).getHost("pixels") as HostArray<"float32">;
}

function frames(shape: number[], seed: number): HostArray<"uint8"> {
  const rng = new Rng(seed);
  const out = new HostArray("uint8", shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.floor(rng.uniform() * 256);
  return out;
}

describe("BytePixels.decode", () => {
  // A loc and scale whose float32 arithmetic rounds (not exact binary fractions).
  const norm = new ObservationNorm({ standardNormal: true, inKeys: ["pixels"], loc: 0.3871, scale: 0.1937 });
  const codec = new BytePixels(norm);

  it("gives the env's floats bit for bit, for every byte value and a batch of frames", () => {
    const all = HostArray.from(
      "uint8",
      [1, 16, 16, 1],
      Array.from({ length: 256 }, (_, u) => u),
    );
    const batch = frames([2, 3, 6, 6, 1], 1);
    // 75 elements: the decode's four-at-a-time loop leaves a tail of 3.
    const odd = frames([3, 5, 5, 1], 5);
    for (const bytes of [all, batch, odd]) {
      const want = envFloats(norm, bytes);
      const got = codec.decode(bytes);
      expect(got.shape).toEqual(want.shape);
      expect(got.data.every((v, i) => Object.is(v, want.data[i]))).toBe(true);
    }
  });

  it("writes into a given array (reused across batches) and returns it", () => {
    const out = new HostArray("float32", [2, 3, 6, 6, 1]);
    for (const seed of [2, 3]) {
      const bytes = frames([2, 3, 6, 6, 1], seed);
      const got = codec.decode(bytes, out);
      expect(got).toBe(out);
      const want = envFloats(norm, bytes);
      expect(out.data.every((v, i) => Object.is(v, want.data[i]))).toBe(true);
    }
  });

  it("refuses an out of another size or non-uint8 frames, naming them, and leaves out unchanged", () => {
    const out = new HostArray("float32", [5]);
    out.data.fill(7);
    expect(() => codec.decode(frames([2, 3], 4), out)).toThrow(/out has 5 elements, the frames \[2, 3\] have 6/);
    expect(() => codec.decode(HostArray.zeros("float32", [5]), out)).toThrow(/expected uint8 frames, got float32/);
    expect([...out.data]).toEqual([7, 7, 7, 7, 7]);
  });
});

describe("BytePixels.encode", () => {
  const norm = new ObservationNorm({ standardNormal: true, inKeys: ["pixels"], loc: 0.3871, scale: 0.1937 });
  const codec = new BytePixels(norm);

  it("gives back the 8-bit frames the env's floats came from", () => {
    for (const bytes of [frames([2, 3, 6, 6, 1], 6), frames([3, 5, 5, 1], 7)]) {
      expect([...codec.encode(envFloats(norm, bytes)).data]).toEqual([...bytes.data]);
    }
  });

  it("refuses floats that are not an 8-bit frame's, naming the pixel and its value, down to the sign of zero", () => {
    const floats = envFloats(norm, frames([2, 2, 1], 8));
    floats.data[3] = floats.data[3]! + 1e-3;
    expect(() => codec.encode(floats)).toThrow(/pixel 3 \(.*\) is not an 8-bit frame value/);
    // loc 0.4 is 102 / 255 in float32, so byte 102 decodes to +0: a -0 (equal under ===) is still refused.
    const exact = new BytePixels(
      new ObservationNorm({ standardNormal: true, inKeys: ["pixels"], loc: 0.4, scale: 0.2 }),
    );
    expect([...exact.encode(HostArray.from("float32", [1], [0])).data]).toEqual([102]);
    expect(() => exact.encode(HostArray.from("float32", [1], [-0]))).toThrow(
      /pixel 0 \(0\) is not an 8-bit frame value/,
    );
    expect(() => codec.encode(HostArray.zeros("int32", [2]))).toThrow(/expected float32 pixels, got int32/);
  });
});
