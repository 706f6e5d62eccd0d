/*
 * Test support (not exported from the package): compares registered gradients with central finite differences.
 *
 * The scalar checked is L(xs) = Σ f(xs) ⊙ R for a fixed random R, not Σ f(xs): with all-ones weights a gradient
 * that permutes or transposes its entries, or mixes up outputs, would still sum to the right thing.
 */
import * as tf from "@tensorflow/tfjs-core";

/** How to fill one differentiated input. */
export interface InputSpec {
  readonly shape: readonly number[];
  /** Explicit values (row-major); otherwise uniform in [lo, hi]. */
  readonly values?: readonly number[];
  readonly lo?: number;
  readonly hi?: number;
  /** Resample values for which this holds: keeps inputs away from kinks such as 0 for relu. */
  readonly avoid?: (v: number) => boolean;
  /** Values spread evenly over [lo, hi] in random order, so no two are within a finite-difference step (max, pools). */
  readonly distinct?: boolean;
}

export interface GradientCase {
  readonly name: string;
  /** The kernel whose registered gradient the case must exercise; the check fails if it is never called. */
  readonly kernel: string;
  readonly inputs: readonly InputSpec[];
  readonly f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Finite-difference step (default 1e-2). */
  readonly step?: number;
  readonly atol?: number;
  readonly rtol?: number;
  /** The true gradient is identically zero (piecewise-constant kernels); otherwise a zero gradient fails the check. */
  readonly expectZero?: boolean;
  /** Why the case cannot run on wasm (a kernel wasm lacks or gets wrong); it then runs on cpu only. */
  readonly notOnWasm?: string;
}

export interface GradientCheckReport {
  readonly mismatches: readonly string[];
  readonly gradientCalls: number;
  readonly leakedTensors: number;
  readonly maxNumeric: number;
}

/** Deterministic uniform [0, 1) stream (mulberry32) seeded from a string, so every case is reproducible. */
export function seededUniform(seedText: string): () => number {
  let state = 2166136261;
  for (let i = 0; i < seedText.length; i++) state = Math.imul(state ^ seedText.charCodeAt(i), 16777619);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function fillInput(spec: InputSpec, next: () => number): Float32Array {
  const size = sizeOf(spec.shape);
  if (spec.values !== undefined) {
    if (spec.values.length !== size)
      throw new Error(`input values: ${spec.values.length} values for shape [${spec.shape.join(", ")}]`);
    return Float32Array.from(spec.values);
  }
  const lo = spec.lo ?? -2;
  const hi = spec.hi ?? 2;
  if (spec.distinct === true) {
    const order = Array.from({ length: size }, (_, i) => i);
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    return Float32Array.from(order, (k) => lo + ((hi - lo) * (k + 0.5)) / size);
  }
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let v = lo + (hi - lo) * next();
    for (let tries = 0; spec.avoid?.(v) === true; tries++) {
      if (tries > 1000) throw new Error(`input spec: cannot sample a value in [${lo}, ${hi}] outside the avoided set`);
      v = lo + (hi - lo) * next();
    }
    out[i] = v;
  }
  return out;
}

/** Σ f(xs) ⊙ weights, accumulated in float64. */
function projectedLoss(f: GradientCase["f"], xs: tf.Tensor[], weights: Float64Array): number {
  return tf.tidy(() => {
    const values = f(...xs).dataSync();
    let total = 0;
    for (let i = 0; i < values.length; i++) total += (values[i] ?? 0) * (weights[i] ?? 0);
    return total;
  });
}

/**
 * Checks the analytic gradient of `c.f` (through the registered gradients) against central differences, and that
 * the backward pass calls the gradient of `c.kernel` and leaks no tensor.
 */
export function checkGradient(c: GradientCase): GradientCheckReport {
  const next = seededUniform(c.name);
  const step = c.step ?? 1e-2;
  const atol = c.atol ?? 1e-3;
  const rtol = c.rtol ?? 1e-2;
  const data = c.inputs.map((spec) => fillInput(spec, next));
  const xs = c.inputs.map((spec, i) => tf.tensor(data[i] ?? [], [...spec.shape], "float32"));

  const outSize = tf.tidy(() => c.f(...xs).size);
  const weights = Float64Array.from({ length: outSize }, () => Math.fround(2 * next() - 1));
  const weightTensor = tf.tensor(Float32Array.from(weights), [outSize]);

  const config = tf.getGradient(c.kernel);
  if (config === undefined) throw new Error(`no gradient registered for kernel ${c.kernel}`);
  const original = config.gradFunc;
  let gradientCalls = 0;
  config.gradFunc = (dy, saved, attrs) => {
    gradientCalls++;
    return original(dy, saved, attrs);
  };
  let analytic: Float32Array[];
  let leakedTensors: number;
  try {
    const before = tf.memory().numTensors;
    const grads = tf.grads((...args: tf.Tensor[]) =>
      tf.sum(tf.mul(tf.reshape(tf.cast(c.f(...args), "float32"), [-1]), weightTensor)),
    )(xs);
    analytic = grads.map((g) => Float32Array.from(g.dataSync()));
    tf.dispose(grads);
    leakedTensors = tf.memory().numTensors - before;
  } finally {
    config.gradFunc = original;
  }

  const mismatches: string[] = [];
  let maxNumeric = 0;
  data.forEach((values, i) => {
    const shape = [...(c.inputs[i]?.shape ?? [])];
    for (let k = 0; k < values.length; k++) {
      const x0 = values[k] ?? 0;
      // Difference over the float32 points actually evaluated, not the nominal 2h.
      const up = Math.fround(x0 + step);
      const down = Math.fround(x0 - step);
      const at = (v: number): number => {
        const perturbed = Float32Array.from(values);
        perturbed[k] = v;
        const moved = tf.tensor(perturbed, shape, "float32");
        const inputs = xs.map((x, j) => (j === i ? moved : x));
        const loss = projectedLoss(c.f, inputs, weights);
        moved.dispose();
        return loss;
      };
      const numeric = (at(up) - at(down)) / (up - down);
      const exact = analytic[i]?.[k] ?? Number.NaN;
      maxNumeric = Math.max(maxNumeric, Math.abs(numeric));
      if (!(Math.abs(exact - numeric) <= atol + rtol * Math.max(Math.abs(exact), Math.abs(numeric)))) {
        mismatches.push(
          `input ${i} [${k}] at ${x0.toPrecision(4)}: analytic ${exact.toPrecision(6)} vs numeric ${numeric.toPrecision(
            6,
          )}`,
        );
      }
    }
  });
  if (c.expectZero !== true && maxNumeric < 1e-2) {
    mismatches.push(
      `the numeric gradient is ~0 everywhere (max ${maxNumeric}); the case does not exercise the gradient`,
    );
  }
  tf.dispose([...xs, weightTensor]);
  return { mismatches, gradientCalls, leakedTensors, maxNumeric };
}
