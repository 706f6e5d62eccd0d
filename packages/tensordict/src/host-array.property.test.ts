import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzParams, hostileNumber, throwsNaming } from "../../../test-support/fuzz";
import { DTYPES, type DType } from "./dtype";
import { HostArray } from "./host-array";
import { Bounded } from "./specs/bounded";
import { Categorical } from "./specs/categorical";
import { TensorDict } from "./tensordict";

/** What each dtype holds exactly (float32 up to rounding). */
function holds(dtype: DType, v: number): boolean {
  if (dtype === "float32") return !Number.isFinite(v) || Math.abs(Math.fround(v)) !== Infinity;
  if (dtype === "int32") return Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
  if (dtype === "uint8") return Number.isInteger(v) && v >= 0 && v <= 255;
  return v === 0 || v === 1;
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const dtypeArb = fc.constantFrom(...DTYPES);

describe("HostArray.from (property)", () => {
  it("stores every value its dtype holds and refuses every other, naming it", () => {
    fc.assert(
      fc.property(dtypeArb, shapeArb, fc.infiniteStream(hostileNumber()), (dtype, shape, stream) => {
        const size = shape.reduce((p, d) => p * d, 1);
        const values = [...stream.take(size)];
        const bad = values.findIndex((v) => !holds(dtype, v));
        let out: HostArray | undefined;
        const threw = throwsNaming(
          () => (out = HostArray.from(dtype, shape, values)),
          bad === -1 ? ["<none>"] : [`value ${String(values[bad])} at index`],
        );
        expect(threw).toBe(bad !== -1);
        if (!threw) {
          expect(out!.shape).toEqual(shape);
          values.forEach((v, i) =>
            expect(
              Object.is(out!.data[i], dtype === "float32" ? Math.fround(v) : v === 0 ? 0 : v) || out!.data[i] === v,
            ).toBe(true),
          );
        }
      }),
      fuzzParams(),
    );
  });

  it("wrap and clamp always give values of the dtype (NaN aside for clamp)", () => {
    fc.assert(
      fc.property(
        dtypeArb,
        fc.array(hostileNumber(), { maxLength: 8 }),
        fc.constantFrom("wrap" as const, "clamp" as const),
        (dtype, values, mode) => {
          const nanInt = mode === "clamp" && dtype !== "float32" && values.some(Number.isNaN);
          if (nanInt) {
            expect(() => HostArray.from(dtype, [values.length], values, { onOutOfRange: mode })).toThrow("NaN");
            return;
          }
          const out = HostArray.from(dtype, [values.length], values, { onOutOfRange: mode });
          for (const v of out.data) expect(holds(dtype, v)).toBe(true);
        },
      ),
      fuzzParams(),
    );
  });
});

describe("TensorDict and specs (property)", () => {
  it("set refuses a leaf whose shape does not start with the batch size, leaving the record unchanged and usable", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
        shapeArb,
        fc.string({ minLength: 1, maxLength: 6 }),
        (batch, shape, key) => {
          const td = new TensorDict({ a: HostArray.zeros("float32", [...batch, 2]) }, batch);
          const before = td.keys({ nested: true, leavesOnly: true });
          const fits = shape.length >= batch.length && batch.every((d, i) => shape[i] === d);
          let threw = false;
          try {
            td.set(key, HostArray.zeros("float32", shape));
          } catch (error) {
            threw = true;
            const m = (error as Error).message;
            expect(m.includes(JSON.stringify(key)) || m.includes(key)).toBe(true);
            expect(td.keys({ nested: true, leavesOnly: true })).toEqual(before);
          }
          if (!fits || key.includes(".") || key === "") expect(threw || td.has(key)).toBe(true);
          else expect(threw).toBe(false);
          td.set("ok", HostArray.zeros("int32", batch));
          expect(td.getHost("ok").shape).toEqual(batch);
        },
      ),
      fuzzParams(),
    );
  });

  it("Bounded / Categorical assert name the first value out of the domain", () => {
    fc.assert(
      fc.property(fc.array(hostileNumber(), { minLength: 1, maxLength: 6 }), (values) => {
        const bounded = new Bounded({ low: -1, high: 1, shape: [values.length] });
        const x = HostArray.from("float32", [values.length], values, { onOutOfRange: "clamp" });
        const bad = Array.from(x.data).findIndex((v) => !(v >= -1 && v <= 1));
        const threw = throwsNaming(() => bounded.assert(x, "obs"), bad === -1 ? ["<none>"] : [`index [${bad}]`]);
        expect(threw).toBe(bad !== -1);
        const ints = values.filter((v) => Number.isInteger(v) && Math.abs(v) < 2 ** 31);
        if (ints.length === 0) return;
        const cat = new Categorical({ n: 4, shape: [ints.length] });
        const a = HostArray.from("int32", [ints.length], ints);
        const badCat = ints.findIndex((v) => v < 0 || v >= 4);
        expect(
          throwsNaming(() => cat.assert(a, "action"), badCat === -1 ? ["<none>"] : [`value ${ints[badCat]}`]),
        ).toBe(badCat !== -1);
      }),
      fuzzParams(),
    );
  });
});
