import { describe, expect, it } from "vitest";
import { CartPoleEnv, CountingEnv, type EnvState } from "@tdrl/envs";
import { expectExactResume, runSteps } from "../../../test-support/resume-check";
import { CatFrames } from "./cat-frames";
import { Compose } from "./compose";
import { GrayScale } from "./gray-scale";
import { InitTracker } from "./init-tracker";
import { NoopReset } from "./noop-reset";
import { ObservationNorm } from "./observation-norm";
import { Resize } from "./resize";
import { RewardScaling } from "./reward-scaling";
import { RewardSum } from "./reward-sum";
import { StepCounter } from "./step-counter";
import { ToTensorImage } from "./to-tensor-image";
import type { Transform } from "./transform";
import { TransformedEnv } from "./transformed-env";
import { VecNorm } from "./vec-norm";

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The flagship pipeline on pixel CartPole; `fitted` gives ObservationNorm its loc and scale (a fresh one gets them from the state). */
function flagship(fitted: boolean, extra: () => Transform[] = () => []): TransformedEnv {
  const norm = fitted
    ? new ObservationNorm({ loc: 0.37, scale: 0.21, standardNormal: true, inKeys: ["pixels"] })
    : new ObservationNorm({ standardNormal: true, inKeys: ["pixels"] });
  const base = new CartPoleEnv({ batchSize: [3], seed: 13, fromPixels: true, renderSize: [40, 60] });
  return new TransformedEnv(
    base,
    new Compose(
      new ToTensorImage(),
      new GrayScale(),
      new Resize(21, 21),
      new StepCounter({ maxSteps: 7 }),
      new InitTracker(),
      new RewardScaling(0, 0.1),
      norm,
      ...extra(),
    ),
    { seed: 5 },
  );
}

describe("transform and TransformedEnv checkpoints", () => {
  it("resumes the flagship pixel pipeline bit for bit (partial resets from StepCounter included)", () => {
    let made = 0;
    const records = expectExactResume(() => flagship(made++ === 0), 11, 30);
    expect(records.length).toBe(30);
  });

  it("resumes with CatFrames, RewardSum and VecNorm (frame windows and running statistics)", () => {
    let made = 0;
    const extra = () => [
      new CatFrames(4, { dim: -1, inKeys: ["pixels"] }),
      new RewardSum(),
      new VecNorm({ inKeys: ["episode_reward"], decay: 0.9 }),
    ];
    expectExactResume(() => flagship(made++ === 0, extra), 9, 25);
  });

  it("resumes NoopReset's random stream", () => {
    const make = () =>
      new TransformedEnv(
        new CartPoleEnv({ seed: 3 }),
        new Compose(new NoopReset({ noops: 5, seed: 8 }), new StepCounter({ maxSteps: 6 })),
      );
    expectExactResume(make, 8, 30);
  });

  it("gives null for stateless transforms and refuses a state for them", () => {
    expect(new StepCounter().state()).toBeNull();
    expect(() => new InitTracker().loadState({ x: 1 })).toThrow(
      "InitTracker.loadState(): this transform keeps no state",
    );
  });

  it("refuses a state of another chain or a bad part, naming it, and changes nothing (base env included)", () => {
    const env = flagship(true, () => [new CatFrames(2, { dim: -1, inKeys: ["pixels"] })]);
    runSteps(env, env.reset(), 4);
    const good = json(env.state());
    const before = JSON.stringify(env.state());
    const inner = good.env as { base: EnvState; transform: { transforms: { name: string; state: unknown }[] } };
    const chain = inner.transform.transforms;
    const swapped = { ...good, env: { ...inner, transform: { transforms: [chain[1], chain[0], ...chain.slice(2)] } } };
    const badRing = {
      ...good,
      env: {
        ...inner,
        transform: {
          transforms: [
            ...chain.slice(0, -1),
            {
              name: "CatFrames",
              state: {
                n: 2,
                keys: {
                  pixels: {
                    ...(chain.at(-1)!.state as { keys: { pixels: object } }).keys.pixels,
                    head: { type: "int32", length: 3, base64: "BQAAAAAAAAAAAAAA" },
                  },
                },
              },
            },
          ],
        },
      },
    };
    const badScale = {
      ...good,
      env: {
        ...inner,
        transform: {
          transforms: chain.map((c) =>
            c.name === "ObservationNorm"
              ? {
                  name: c.name,
                  state: { ...(c.state as object), scale: { dtype: "float32", shape: [], base64: "AAAAAA==" } },
                }
              : c,
          ),
        },
      },
    };
    const cases: [unknown, string][] = [
      [{ ...good, kind: "CartPoleEnv" }, '"kind" is "CartPoleEnv"'],
      [swapped, '"transforms[0].name" is "GrayScale", the chain has ToTensorImage there'],
      [
        badRing,
        'transform 7 (CatFrames): CatFrames.loadState(): "keys.pixels".head: holds 5 at index 0, outside [0, 2)',
      ],
      [badScale, "ObservationNorm.loadState(): scale holds 0 at flat index 0; it must be positive and finite"],
      [
        { ...good, env: { ...inner, base: new CountingEnv().state() } },
        'CartPoleEnv.loadState(): "kind" is "CountingEnv"',
      ],
    ];
    for (const [state, message] of cases) {
      expect(() => env.loadState(state as EnvState)).toThrow(message);
      expect(JSON.stringify(env.state())).toBe(before);
    }
  });
});
