import * as tf from "@tensorflow/tfjs-core";
import { measure, withTarget, type BenchResult } from "../../../bench/harness";
import { HostArray, Rng, TensorDict } from "../src/index";

/** One CartPole step as an env writes it: batch size [], observation [4], the rest scalars in [1]. */
function cartPoleStep(i: number): TensorDict {
  return new TensorDict({
    observation: HostArray.from("float32", [4], [i, i + 1, i + 2, i + 3]),
    action: HostArray.from("int32", [], [i % 2]),
    done: HostArray.zeros("bool", [1]),
    terminated: HostArray.zeros("bool", [1]),
    truncated: HostArray.zeros("bool", [1]),
    next: {
      observation: HostArray.from("float32", [4], [i, i, i, i]),
      reward: HostArray.from("float32", [1], [1]),
      done: HostArray.zeros("bool", [1]),
      terminated: HostArray.zeros("bool", [1]),
      truncated: HostArray.zeros("bool", [1]),
    },
  });
}

/** The TensorDict benchmarks of the foundation issue, on host leaves unless the name says otherwise. */
export function benchTensorDictOps(): BenchResult[] {
  const results: BenchResult[] = [];
  const leaves = Array.from({ length: 8 }, (_, i) => HostArray.zeros("float32", [256, i + 1]));

  results.push(
    measure(
      "TensorDict creation, 8 leaves, batch [256]",
      () =>
        new TensorDict(
          {
            a: leaves[0]!,
            b: leaves[1]!,
            c: leaves[2]!,
            d: leaves[3]!,
            e: leaves[4]!,
            f: leaves[5]!,
            g: leaves[6]!,
            h: leaves[7]!,
          },
          [256],
        ),
    ),
  );

  const td = cartPoleStep(0);
  const reward = HostArray.from("float32", [1], [2]);
  results.push(
    withTarget(
      measure('nested get "next.reward" (dotted string)', () => td.get("next.reward")),
      1,
      "us",
      true,
    ),
  );
  const tuple = ["next", "reward"] as const;
  results.push(
    withTarget(
      measure('nested get ["next", "reward"] (tuple)', () => td.get(tuple)),
      1,
      "us",
      true,
    ),
  );
  results.push(
    withTarget(
      measure('nested set "next.reward"', () => td.set("next.reward", reward)),
      1,
      "us",
      true,
    ),
  );

  const steps = Array.from({ length: 256 }, (_, i) => cartPoleStep(i));
  results.push(
    withTarget(
      measure("stack 256 single-step CartPole records (10 leaves)", () => TensorDict.stack(steps)),
      100,
      "us",
      true,
    ),
  );
  // Baseline: the same copies with no TensorDict at all, from the same 2560 small typed arrays into fresh outputs.
  const columns = steps[0]!.leaves().map(([path]) => steps.map((s) => s.getHost(path).data));
  results.push(
    measure("  baseline: raw copy of the same 2560 leaf arrays (no TensorDict)", () =>
      columns.map((col) => {
        const inner = col[0]!.length;
        const out = new (col[0]!.constructor as Float32ArrayConstructor)(inner * col.length);
        for (let k = 0; k < col.length; k++) out.set(col[k]!, k * inner);
        return out;
      }),
    ),
  );

  const big = new TensorDict(
    {
      observation: HostArray.zeros("float32", [100_000, 4]),
      action: HostArray.zeros("int32", [100_000]),
      next: {
        observation: HostArray.zeros("float32", [100_000, 4]),
        reward: HostArray.zeros("float32", [100_000, 1]),
        done: HostArray.zeros("bool", [100_000, 1]),
      },
    },
    [100_000],
  );
  const rng = new Rng(0);
  const rows = new Int32Array(256);
  results.push(
    measure("index 256 random rows out of 100k (5 leaves, incl. drawing indices)", () => {
      rng.fillInt(rows, 0, 100_000);
      return big.index(rows);
    }),
  );

  const batch = TensorDict.stack(steps);
  results.push(
    measure(`toTensors of a 256-row batch (10 leaves, ${tf.getBackend()})`, () => {
      const t = batch.toTensors();
      t.dispose();
    }),
  );
  return results;
}
