import { describe, expect, it } from "vitest";
import {
  byteWords,
  bytesToGray,
  bytesToUnitFloat,
  cropPlanes,
  differingSpan,
  nativeBytesEqual,
  rgbToGray,
} from "./image-kernels";
import { grayFrame, loadPipelineFrames } from "../test/image-reference";

describe("bytesToUnitFloat", () => {
  it("maps every byte to float32(v / 255), keeping HWC or moving channels first", () => {
    const src = Uint8Array.from({ length: 256 }, (_, v) => v);
    const out = new Float32Array(256);
    bytesToUnitFloat(src, 1, 256, 1, false, out);
    for (let v = 0; v < 256; v++) expect(out[v]).toBe(Math.fround(v / 255));
    // Two images of 2 pixels x 3 channels: [n, P, C] -> [n, C, P].
    const hwc = Uint8Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    const chw = new Float32Array(12);
    bytesToUnitFloat(hwc, 2, 2, 3, true, chw);
    expect(Array.from(chw).map((x) => Math.round(x * 255))).toEqual([0, 3, 1, 4, 2, 5, 10, 13, 11, 14, 12, 15]);
  });
});

describe("bytesToGray", () => {
  it("equals rgbToGray of bytesToUnitFloat bit for bit, word-aligned or not, for any pixel count", () => {
    // Pseudo-random bytes covering every value, in a buffer whose views start at each byte offset.
    const buffer = new Uint8Array(3 * 1031 + 8);
    for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 97 + (i >> 3) * 31) & 255;
    for (const start of [0, 1, 2, 3, 4]) {
      for (const pixels of [1, 3, 4, 5, 1031]) {
        const src = buffer.subarray(start, start + 3 * pixels);
        const unit = new Float32Array(3 * pixels);
        bytesToUnitFloat(src, 1, pixels, 3, false, unit);
        const expected = new Float32Array(pixels);
        rgbToGray(unit, 1, pixels, false, expected);
        const out = new Float32Array(pixels + 2);
        bytesToGray(src, 0, pixels, out, 2);
        expect(byteWords(src) === null).toBe(start % 4 !== 0);
        expect(Array.from(out.subarray(2))).toEqual(Array.from(expected));
      }
    }
    // A row at an offset into the frame, with the word view made once (as the fused pass calls it).
    const src = buffer.subarray(0, 3 * 1031);
    const row = new Float32Array(10);
    bytesToGray(src, 3 * 20, 10, row, 0, byteWords(src));
    const unit = new Float32Array(30);
    bytesToUnitFloat(src.subarray(60, 90), 1, 10, 3, false, unit);
    const expected = new Float32Array(10);
    rgbToGray(unit, 1, 10, false, expected);
    expect(Array.from(row)).toEqual(Array.from(expected));
  });
});

describe("rgbToGray", () => {
  it("weights R, G, B by 0.2989, 0.587, 0.114 in either layout", () => {
    const hwc = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.25, 1]);
    const out = new Float32Array(4);
    rgbToGray(hwc, 1, 4, false, out);
    expect(Array.from(out)).toEqual([0.2989, 0.587, 0.114, 0.2989 * 0.5 + 0.587 * 0.25 + 0.114].map(Math.fround));
    // The same 4 pixels stored channels first, as two images of 2 pixels.
    const chw = Float32Array.from([1, 0, 0, 1, 0, 0, 0, 0.5, 0, 0.25, 1, 1]);
    const out2 = new Float32Array(4);
    rgbToGray(chw, 2, 2, true, out2);
    expect(Array.from(out2)).toEqual([0.2989, 0.587, 0.114, 0.2989 * 0.5 + 0.587 * 0.25 + 0.114].map(Math.fround));
  });

  it("gives torchvision's mean grey level on the reference CartPole frames", () => {
    for (const f of loadPipelineFrames()) {
      const gray = grayFrame(f.rgb);
      let sum = 0;
      for (const g of gray) sum += g;
      expect(Math.abs(sum / gray.length - f.grayMean)).toBeLessThan(1e-6);
    }
  });
});

describe("cropPlanes", () => {
  // One 3x4 image with 2 channels: value = 10 * row + col, channel c adds 100 * c.
  const src = Int32Array.from(
    { length: 24 },
    (_, i) => 10 * Math.floor(i / 8) + (Math.floor(i / 2) % 4) + 100 * (i % 2),
  );

  it("copies the box out of each plane", () => {
    const out = new Int32Array(8);
    cropPlanes(src, 1, 3, 4, 2, { top: 1, left: 1, height: 2, width: 2 }, out);
    expect(Array.from(out)).toEqual([11, 111, 12, 112, 21, 121, 22, 122]);
  });

  it("zero-fills where the box leaves the image on any side", () => {
    const out = new Int32Array(5 * 6 * 2).fill(-1);
    cropPlanes(src, 1, 3, 4, 2, { top: -1, left: -1, height: 5, width: 6 }, out);
    const ch0 = Array.from(out).filter((_, i) => i % 2 === 0);
    expect(ch0).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 10, 11, 12, 13, 0, 0, 20, 21, 22, 23, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const far = new Int32Array(4).fill(-1);
    cropPlanes(src, 1, 3, 4, 2, { top: 0, left: 9, height: 1, width: 2 }, far);
    expect(Array.from(far)).toEqual([0, 0, 0, 0]);
  });
});

describe("differingSpan", () => {
  it("finds the exact span where two rows differ, by words, by bytes and with the native test", () => {
    const length = 200;
    const buffer = new Uint8Array(4 + 2 * length);
    const src = buffer.subarray(4);
    const span = new Int32Array(2);
    const cases: [number, number][] = [
      [0, 0],
      [0, 1],
      [199, 200],
      [5, 6],
      [3, 17],
      [0, 200],
      [8, 12],
      [13, 14],
      [150, 152],
      [90, 170],
    ];
    for (const [from, to] of cases) {
      for (let j = 0; j < length; j++) src[j] = src[length + j] = (j * 37) & 255;
      for (let j = from; j < to; j++) src[length + j] = src[length + j]! ^ 0x5a;
      const expected = from < to ? [from, to] : null;
      for (const words of [byteWords(src), null]) {
        for (const equal of [nativeBytesEqual(src), null]) {
          // Hints near, far from and overlapping the span: the result never depends on them.
          for (const hint of [
            null,
            Int32Array.of(0, 0),
            Int32Array.of(from, to),
            Int32Array.of(30, 31),
            Int32Array.of(0, 4),
          ]) {
            differingSpan(src, words, 0, length, length, span, equal, hint);
            expect(span[0]! >= span[1]! ? null : [span[0], span[1]]).toEqual(expected);
          }
        }
      }
      // Unaligned offsets fall back to bytes and give the same span.
      const odd = buffer.subarray(1, 1 + 2 * length + 3);
      odd.set(src, 3);
      differingSpan(odd, byteWords(odd), 3, 3 + length, length, span);
      expect(span[0]! >= span[1]! ? null : [span[0], span[1]]).toEqual(expected);
    }
  });
});
