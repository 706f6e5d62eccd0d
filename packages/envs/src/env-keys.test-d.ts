import { expectTypeOf, test } from "vitest";
import type { HostArray, TensorDict } from "@tdrl/tensordict";
import { CartPoleEnv, type CartPoleEnvOptions } from "./cartpole/cartpole-env";
import type { EnvBase } from "./env-base";

test("CartPole's records carry their keys: typos fail to compile", () => {
  const env = new CartPoleEnv();
  const root = env.reset();
  expectTypeOf(root.getHost("observation")).toEqualTypeOf<HostArray<"float32">>();
  expectTypeOf(root.getHost("done")).toEqualTypeOf<HostArray<"bool">>();
  // @ts-expect-error: a typo in the observation key
  root.getHost("observaton");
  // One schema for root and step records: TorchRL's in-place env.step(td); td["next", "reward"] compiles.
  env.step(root.set("action", root.getHost("action")));
  expectTypeOf(root.getHost("next.reward")).toEqualTypeOf<HostArray<"float32">>();

  const rollout = env.rollout(5);
  expectTypeOf(rollout.getHost("next.reward")).toEqualTypeOf<HostArray<"float32">>();
  expectTypeOf(rollout.getHost("action")).toEqualTypeOf<HostArray<"int32">>();
  expectTypeOf(rollout.getHost(["next", "truncated"])).toEqualTypeOf<HostArray<"bool">>();
  // @ts-expect-error: a typo under "next"
  rollout.getHost("next.rewrd");

  const [stepped, next] = env.stepAndMaybeReset(env.randAction(root));
  expectTypeOf(stepped.getHost("next.observation")).toEqualTypeOf<HostArray<"float32">>();
  expectTypeOf(next.getHost("observation")).toEqualTypeOf<HostArray<"float32">>();
  expectTypeOf(env.step(root).getHost("next.done")).toEqualTypeOf<HostArray<"bool">>();
  expectTypeOf(env.stepMdp(stepped).getHost("terminated")).toEqualTypeOf<HostArray<"bool">>();
});

test("the options decide the keys", () => {
  const pixels = new CartPoleEnv({ fromPixels: true, renderSize: [84, 84] });
  expectTypeOf(pixels.reset().getHost("pixels")).toEqualTypeOf<HostArray<"uint8">>();
  // @ts-expect-error: pixelsOnly defaults to true, so there is no state vector
  pixels.reset().getHost("observation");
  const both = new CartPoleEnv({ fromPixels: true, pixelsOnly: false });
  expectTypeOf(both.rollout(3).getHost("next.observation")).toEqualTypeOf<HostArray<"float32">>();
  expectTypeOf(new CartPoleEnv({ categoricalActionEncoding: false }).rollout(3).getHost("action")).toEqualTypeOf<
    HostArray<"bool">
  >();
});

test("options not known at compile time, and the untyped EnvBase, give untyped records", () => {
  const options: CartPoleEnvOptions = {};
  expectTypeOf(new CartPoleEnv(options).reset()).toEqualTypeOf<TensorDict>();
  const typed = new CartPoleEnv({ batchSize: [4], seed: 1 });
  const untyped: EnvBase = typed; // a typed env is an EnvBase
  expectTypeOf(untyped.rollout(5)).toEqualTypeOf<TensorDict>();
  untyped.reset().getHost("anything");
});
