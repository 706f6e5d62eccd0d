import { describe, expect, it } from "vitest";
import { HostArray, TensorDict } from "@tdrl/tensordict";
import {
  BATCH_CODEC_VERSION,
  BatchMessageError,
  batchSchema,
  decodeBatchMessage,
  encodeBatchMessage,
  type BatchMeta,
} from "./batch-message";

const pixelBatch = (frames = 4) =>
  new TensorDict(
    {
      pixels: HostArray.from(
        "uint8",
        [frames, 48, 48, 1],
        Array.from({ length: frames * 48 * 48 }, (_, i) => (i * 7) % 256),
      ),
      action: HostArray.from(
        "int32",
        [frames],
        Array.from({ length: frames }, (_, i) => i % 2),
      ),
      next: new TensorDict(
        { reward: HostArray.full("float32", [frames, 1], -0.5), done: HostArray.zeros("bool", [frames, 1]) },
        [frames],
      ),
    },
    [frames],
  );

const meta = (frames = 4, priorities: Float32Array | null = null): BatchMeta => ({
  run: "r",
  actor: 3,
  actorName: "h:1",
  seq: 7,
  weightsVersion: 2,
  frames,
  sentAt: 1,
  priorities,
});
const decodeOpts = { run: "r", maxBytes: 1 << 20, schema: null };

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof BatchMessageError) return e.reason;
    throw e;
  }
  throw new Error("no error");
}

describe("batch messages", () => {
  it("round-trips a batch bit for bit, uint8 pixels kept uint8, with meta and priorities", () => {
    const batch = pixelBatch();
    const fields = encodeBatchMessage(batch, meta(4, Float32Array.from([1, 2, 3, 4])), 1 << 20);
    expect(fields.slice(0, 2)).toEqual(["v", BATCH_CODEC_VERSION]);
    const out = decodeBatchMessage(fields, decodeOpts);
    expect(out.batch.getHost("pixels").dtype).toBe("uint8");
    expect([...out.batch.getHost("pixels").data]).toEqual([...batch.getHost("pixels").data]);
    expect([...out.batch.getHost(["next", "reward"]).data]).toEqual([-0.5, -0.5, -0.5, -0.5]);
    expect(out.meta).toMatchObject({ actor: 3, seq: 7, weightsVersion: 2, frames: 4 });
    expect([...out.meta.priorities!]).toEqual([1, 2, 3, 4]);
    expect(out.schema).toBe(batchSchema(batch));
    expect(out.schema).toBe("action:int32[];next.done:bool[1];next.reward:float32[1];pixels:uint8[48, 48, 1]");
    // 48x48 uint8 costs 4/3 byte per pixel in base64, not the 4+ bytes of a float or JSON number.
    expect(fields.reduce((n, s) => n + s.length, 0)).toBeLessThan(4 * 48 * 48 * (4 / 3) + 1000);
  });

  it("refuses a batch over the size limit on the sending side, naming both numbers", () => {
    expect(() => encodeBatchMessage(pixelBatch(), meta(), 5000)).toThrow(
      /bytes encoded, over the limit maxMessageBytes = 5000/,
    );
  });

  it("classifies each kind of bad message", () => {
    const good = encodeBatchMessage(pixelBatch(), meta(), 1 << 20);
    const with_ = (field: string, value: string) =>
      good.map((s, i) => (i > 0 && good[i - 1] === field && i % 2 === 1 ? value : s));
    expect(reason(() => decodeBatchMessage(null, decodeOpts))).toBe("trimmed");
    expect(reason(() => decodeBatchMessage(good, { ...decodeOpts, maxBytes: 100 }))).toBe("size");
    expect(reason(() => decodeBatchMessage(with_("v", "tdrl-batch/0"), decodeOpts))).toBe("version");
    expect(reason(() => decodeBatchMessage(["hello", "world"], decodeOpts))).toBe("version");
    expect(reason(() => decodeBatchMessage(good, { ...decodeOpts, run: "other" }))).toBe("foreign");
    expect(reason(() => decodeBatchMessage(good, { ...decodeOpts, schema: "obs:float32[4]" }))).toBe("schema");
    const data = good[good.length - 1]!;
    const truncated = [...good.slice(0, -1), data.slice(0, data.length - 10)];
    expect(reason(() => decodeBatchMessage(truncated, decodeOpts))).toBe("truncated");
    // A consistent size over corrupted data: the codec's own checks catch it.
    const corrupt = with_("data", data.replace(/"base64":"[A-Za-z0-9+/]{8}/, '"base64":"!!!!!!!!')).map((s, i, a) =>
      a[i - 1] === "size" ? String(a[a.length - 1]!.length) : s,
    );
    expect(reason(() => decodeBatchMessage(corrupt, decodeOpts))).toBe("malformed");
    // A header whose schema does not describe the data.
    const lying = with_("schema", "action:int32[]");
    expect(reason(() => decodeBatchMessage(lying, decodeOpts))).toBe("schema");
    expect(reason(() => decodeBatchMessage(with_("meta", "{not json"), decodeOpts))).toBe("malformed");
  });
});
