import fc from "fast-check";
import { HostArray, type TensorDict, type TensorSpec } from "@tdrl/tensordict";
import { describe, expect, it } from "vitest";
import { fuzzParams, hostileNumber } from "../../../test-support/fuzz";
import { CartPoleEnv } from "./cartpole/cartpole-env";
import { CountingEnv } from "./counting-env";

/** An action leaf of a random dtype and shape holding hostile values (converted, so it can be built at all). */
const actionArb = fc.record({
  dtype: fc.constantFrom("float32" as const, "int32" as const, "uint8" as const, "bool" as const),
  extra: fc.constantFrom([] as number[], [1], [2]),
  values: fc.array(hostileNumber(), { minLength: 8, maxLength: 8 }),
  key: fc.constantFrom("action", "action", "action", "actions", "Action"),
});

describe("env step (property)", () => {
  for (const [name, make] of [
    ["CartPoleEnv", () => new CartPoleEnv({ batchSize: [2], seed: 3 })],
    ["CountingEnv", () => new CountingEnv({ batchSize: [2], maxCount: 50 })],
  ] as const) {
    it(`${name}: a bad action is refused naming the env and the key or value; the env is unchanged and still steps`, () => {
      fc.assert(
        fc.property(actionArb, ({ dtype, extra, values, key }) => {
          const env = make();
          const root = env.reset();
          const snapshot = JSON.stringify(env.state());
          const shape = [2, ...extra];
          const size = shape.reduce((p, d) => p * d, 1);
          const leaf = HostArray.from(dtype, shape, values.slice(0, size), {
            onOutOfRange: dtype === "float32" ? "clamp" : "wrap",
          });
          const td = root.clone().set(key, leaf);
          let stepped: TensorDict | null = null;
          try {
            stepped = env.step(td);
          } catch (error) {
            const m = (error as Error).message;
            expect(m).toContain(name);
            const namesValue = Array.from(leaf.data).some((v) => m.includes(String(v)));
            expect(namesValue || m.includes(`"${key}"`) || m.includes("action")).toBe(true);
            expect(JSON.stringify(env.state())).toBe(snapshot);
          }
          if (stepped !== null) {
            // Accepted: then it was a valid action of the spec.
            expect((env.actionSpec.get("action") as TensorSpec).isInRange(leaf)).toBe(true);
            return;
          }
          const ok = env.step(root.clone().set("action", HostArray.from("int32", [2], [1, 0])));
          expect(ok.getHost("next.done").shape).toEqual([2, 1]);
        }),
        fuzzParams(),
      );
    });
  }
});
