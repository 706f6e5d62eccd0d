/** The Redis keys and channel of one distributed run; every name starts with `tdrl:<run>:`. */
export interface RunKeys {
  /** The experience stream actors append to (XADD) and the learner's group reads (XREADGROUP). */
  experience: string;
  /** Rejected entries: id, reason and error of every message the learner refused (bounded). */
  rejected: string;
  /** A hash { version, data }: the newest published weights (safetensors bytes). */
  weights: string;
  /** Pub/sub channel: JSON events `{ kind: "weights", version }` and `{ kind: "stop" }`. */
  events: string;
  /** The run's configuration (JSON): env and policy module references and collector options, read by actors. */
  config: string;
  /** Counter handing out actor indices (INCR). */
  actorIndex: string;
  /** Set to "1" once the learner shut the run down: actors that join later stop at once. */
  stopped: string;
}

const RUN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The keys of run `run` (letters, digits, `_`, `.`, `-`; at most 64). */
export function runKeys(run: string): RunKeys {
  if (typeof run !== "string" || !RUN_NAME.test(run))
    throw new Error(`runKeys: the run name must be 1-64 letters, digits, "_", "." or "-", got ${JSON.stringify(run)}`);
  const p = `tdrl:${run}:`;
  return {
    experience: `${p}experience`,
    rejected: `${p}rejected`,
    weights: `${p}weights`,
    events: `${p}events`,
    config: `${p}config`,
    actorIndex: `${p}actor-index`,
    stopped: `${p}stopped`,
  };
}
