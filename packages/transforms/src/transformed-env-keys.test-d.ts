import { expectTypeOf, test } from "vitest";
import type { HostArray, TensorDict } from "@tdrl/tensordict";
import { CartPoleEnv, type EnvBase } from "@tdrl/envs";
import { CatFrames } from "./cat-frames";
import { Compose } from "./compose";
import { GrayScale } from "./gray-scale";
import { InitTracker } from "./init-tracker";
import { ObservationNorm } from "./observation-norm";
import { Resize } from "./resize";
import { ToTensorImage } from "./to-tensor-image";
import { RewardSum } from "./reward-sum";
import { StepCounter } from "./step-counter";
import { Transform } from "./transform";
import { TransformedEnv } from "./transformed-env";

test("a TransformedEnv's records carry the base env's keys and the ones its transforms add", () => {
  const tenv = new TransformedEnv(new CartPoleEnv(), new Compose(new StepCounter({ maxSteps: 50 }), new RewardSum()));
  const rollout = tenv.rollout(5);
  expectTypeOf(rollout.getHost("next.step_count")).toEqualTypeOf<HostArray<"int32">>();
  expectTypeOf(rollout.getHost("episode_reward")).toEqualTypeOf<HostArray<"float32">>();
  expectTypeOf(rollout.getHost("next.observation")).toEqualTypeOf<HostArray<"float32">>();
  // @ts-expect-error: a typo in a key a transform added
  rollout.getHost("next.step_cont");
  // @ts-expect-error: a typo in a key of the base env
  tenv.reset().getHost("observaton");

  const renamed = new TransformedEnv(new CartPoleEnv(), new StepCounter({ stepCountKey: "t" }));
  expectTypeOf(renamed.reset().getHost("t")).toEqualTypeOf<HostArray<"int32">>();
  // @ts-expect-error: the counter is named "t" here
  renamed.reset().getHost("step_count");
  expectTypeOf(new TransformedEnv(new CartPoleEnv()).rollout(2).getHost("next.done")).toEqualTypeOf<
    HostArray<"bool">
  >();
});

test("the image and normalisation transforms keep or retype keys, and name the ones they add", () => {
  const pixels = new CartPoleEnv({ fromPixels: true, renderSize: [84, 84] });
  const tenv = new TransformedEnv(
    pixels,
    new Compose(
      new ToTensorImage(),
      new GrayScale(),
      new Resize(64, 64),
      new CatFrames(4, { dim: -1, inKeys: ["pixels"] }),
      new ObservationNorm({ inKeys: ["pixels"] }),
      new InitTracker(),
    ),
  );
  const rollout = tenv.rollout(3);
  expectTypeOf(rollout.getHost("next.pixels")).toEqualTypeOf<HostArray<"float32">>(); // uint8 before ToTensorImage
  expectTypeOf(rollout.getHost("is_init")).toEqualTypeOf<HostArray<"bool">>();
  // @ts-expect-error: a typo in the pixels key
  rollout.getHost("next.pixel");
  const stacked = new TransformedEnv(
    new CartPoleEnv(),
    new CatFrames(4, { dim: -1, inKeys: ["observation"], outKeys: ["stacked"] }),
  );
  stacked.reset().getHost("stacked");
  // @ts-expect-error: not a key CatFrames writes
  stacked.reset().getHost("stackd");
});

test("a transform that declares no keys, or an untyped base env, gives untyped records", () => {
  class Custom extends Transform {}
  expectTypeOf(
    new TransformedEnv(new CartPoleEnv(), new Compose(new StepCounter(), new Custom())).rollout(2),
  ).toEqualTypeOf<TensorDict>();
  const base: EnvBase = new CartPoleEnv();
  expectTypeOf(new TransformedEnv(base, new StepCounter()).reset()).toEqualTypeOf<TensorDict>();
  const typed = new TransformedEnv(new CartPoleEnv(), new StepCounter());
  const untyped: EnvBase = typed;
  void untyped;
  const anyTransformed: TransformedEnv = typed;
  void anyTransformed;
});
