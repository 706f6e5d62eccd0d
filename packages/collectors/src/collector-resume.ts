import { decodeTensorDict, decodeTypedArray, formatShape, shapesEqual, type TensorDict } from "@tdrl/tensordict";
import type { CollectorResumeState } from "./collector";

/** The `resume` part of a collector state, decoded and checked against the env's batch size. */
export function decodeResume(
  value: CollectorResumeState,
  batchSize: readonly number[],
  numEnvs: number,
  what: string,
): { root: TensorDict | null; trajSteps: Int32Array; idsFresh: boolean } {
  if (typeof value !== "object" || value === null)
    throw new Error(`${what}: "resume" must be an object, got ${String(value)}`);
  if (typeof value.env !== "object" || value.env === null)
    throw new Error(`${what}: "resume.env" must be an env state, got ${String(value.env)}`);
  if (typeof value.idsFresh !== "boolean")
    throw new Error(`${what}: "resume.idsFresh" must be a boolean, got ${JSON.stringify(value.idsFresh)}`);
  const trajSteps = decodeTypedArray(value.trajSteps, "int32", `${what}: "resume.trajSteps"`, numEnvs);
  const negative = trajSteps.findIndex((v) => v < 0);
  if (negative !== -1)
    throw new Error(`${what}: "resume.trajSteps" holds ${trajSteps[negative]} at index ${negative}, not a step count`);
  const root = value.root === null ? null : decodeTensorDict(value.root, `${what}: "resume.root"`);
  if (root !== null && !shapesEqual(root.batchSize, batchSize)) {
    throw new Error(
      `${what}: "resume.root" has batch size ${formatShape(root.batchSize)}, the env has ${formatShape(batchSize)}`,
    );
  }
  return { root, trajSteps, idsFresh: value.idsFresh };
}
