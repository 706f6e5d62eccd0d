import { join } from "node:path";
import type { TensorDict } from "@tdrl/tensordict";
import { formatBackendReport, initBackend } from "@tdrl/backend";
import type { EnvBase } from "@tdrl/envs";
import type { HasParameters } from "@tdrl/modules";
import {
  bestModelDir,
  checkpointDir,
  hasCheckpoint,
  loadPolicyWeights,
  readBestModelInfo,
  type BestModelInfo,
  type Evaluation,
  type PolicyChoice,
  type TrainerRecord,
  type TrainerResult,
} from "@tdrl/trainers";
import {
  RunDirectory,
  VideoRecorder,
  formatProgressLine,
  metricsRow,
  writeReport,
  writeTrainingPlots,
  type ProgressContext,
} from "@tdrl/record";
import {
  cliName,
  defineFlags,
  FlagError,
  parseCommandLine,
  type FlagSpecs,
  type FlagValues,
  type FlagsToConfig,
} from "../run/flags";
import { runEnvironment, userPath, type RunEnvironment } from "./run-environment";
import type { TrainOptions } from "./train-run";

/** What the commands need of a built run. */
export interface Playable {
  qnet: HasParameters;
  evaluateEpisodes(episodes: number, seed: number, onStep?: (root: TensorDict, env: EnvBase) => void): Evaluation;
  dispose(): void;
}

/** The `eval` command's flags, the same in every program. */
const EVAL_FLAGS = defineFlags({
  checkpoint: { type: "string", default: "", placeholder: "runs/<name>", help: "run directory to play (required)" },
  episodes: { type: "int", default: 10, positive: true, help: "episodes to play" },
  seed: { type: "int", default: 12345, min: 0, help: "seed of the evaluation episodes" },
  gif: {
    type: "string",
    default: null,
    placeholder: "file.gif",
    help: "also write one more greedy episode as an animated GIF",
  },
  policy: {
    type: "enum",
    values: ["best", "last"],
    default: "best",
    help: "weights to play: the best evaluation's (best/) or the last checkpoint's",
  },
});

/** Flags every `train` command has. */
const RUN_FLAGS = defineFlags({
  name: {
    type: "string",
    default: null,
    placeholder: "name",
    help: "run name under runs/",
    defaultText: "<program>-<UTC yyyymmdd-hhmmss>",
  },
  resume: {
    type: "string",
    default: null,
    placeholder: "runs/<name>",
    help: "continue a stopped run from its checkpoint",
  },
});

export type { ProgressContext };

/**
 * One progress line per metrics row: frames, episodes, return, loss, epsilon, frames/s, the last
 * evaluation (carried until the next one) and the time left at the current speed.
 */
export function formatRecord(r: TrainerRecord, context?: ProgressContext): string {
  return formatProgressLine(metricsRow(r), context);
}

/**
 * The `eval` command: rebuilds the run from its `config.json`, loads the checkpoint's online weights and
 * plays greedily; prints the returns.
 *
 * @example
 * // e.g. `node --import tsx src/dqn-cartpole.ts eval --checkpoint runs/<name>`
 * typeof evalCommand; // "function"
 */
export function evalCommand<C, B extends Playable>(
  values: { checkpoint: string; episodes: number; seed: number; gif?: string | null; policy: PolicyChoice },
  build: (config: C) => B,
): Evaluation {
  if (values.checkpoint === "") throw new FlagError("eval needs --checkpoint runs/<name>");
  const run = openRun(values.checkpoint);
  // Weights that are not there yet are the user's to hear about in one line, before anything is built.
  const weights = values.policy === "best" ? bestModelDir(run.path) : checkpointDir(run.path);
  if (!hasCheckpoint(weights)) {
    throw new FlagError(
      values.policy === "best"
        ? `${run.path} has no best model yet (no evaluation has finished): play the last checkpoint with --policy last`
        : `${run.path} has no checkpoint yet (the run stopped before writing its first one)`,
    );
  }
  const built = build(run.config as unknown as C);
  try {
    loadPolicyWeights(run.path, built.qnet, values.policy);
    const result = built.evaluateEpisodes(values.episodes, values.seed);
    console.log(
      `returns: ${result.rewards.join(" ")}\nmean ${result.mean.toFixed(1)} min ${result.min} max ${result.max}`,
    );
    if (values.gif !== undefined && values.gif !== null) {
      const played = writeEpisodeGif(built, userPath(values.gif), values.seed + 1);
      console.log(`${values.gif}: an episode of return ${played}`);
    }
    return result;
  } finally {
    built.dispose();
  }
}

/** Opens a run directory named on the command line (from the user's directory); a bad path is a user error. */
function openRun(path: string): RunDirectory {
  try {
    return RunDirectory.open(userPath(path));
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
}

/** Starts the backend (a bad TDRL_BACKEND is a user error) and prints which one is in use. */
async function startBackend(): Promise<RunEnvironment> {
  const report = await initBackend().catch((e: unknown) => {
    throw new FlagError((e as Error).message);
  });
  console.log(formatBackendReport(report).split("\n")[0]);
  return runEnvironment(report);
}

/** The `train` command: a new run directory (or the one to resume), training with progress lines. */
async function trainCommand<C extends object>(
  program: string,
  run: RunDirectory,
  resumed: boolean,
  environment: RunEnvironment,
  train: (config: C, options: TrainOptions) => Promise<{ result: TrainerResult; built: Playable }>,
): Promise<TrainerResult> {
  console.log(`run ${run.path}${resumed ? " (resumed)" : ""}`);
  const totalFrames = (run.config as { totalFrames?: unknown }).totalFrames;
  const context: ProgressContext | undefined =
    typeof totalFrames === "number" ? { totalFrames, lastEval: null } : undefined;
  const log = (r: TrainerRecord) => {
    console.log(formatRecord(r, context));
    if (context !== undefined && r.evalMean !== undefined) context.lastEval = r.evalMean;
  };
  const { result, built } = await train(run.config as unknown as C, { run, resume: resumed, log });
  let best: BestModelInfo | null;
  try {
    best = await writeArtifacts(run, program, built, result, environment);
  } finally {
    built.dispose();
  }
  const solved =
    result.state.solvedAtFrames === null ? "not solved" : `solved at ${result.state.solvedAtFrames} frames`;
  const kept = best === null ? "" : ` (at ${best.frames} frames, kept in ${join(run.path, "best")})`;
  console.log(
    `done: ${result.state.frames} frames in ${result.seconds.toFixed(0)} s; best eval ${result.state.bestEval.toFixed(1)}${kept}; ${solved}`,
  );
  return result;
}

/** Plays one greedy episode and writes it, rendered full size (or from its pixels), as a GIF; returns the episode's return. */
function writeEpisodeGif(built: Playable, file: string, seed: number): number {
  const video = new VideoRecorder();
  const played = built.evaluateEpisodes(1, seed, (root, env) => video.capture(root, env));
  if (video.frames > 0) video.save(file);
  return played.mean;
}

/**
 * After training: reward curve, a GIF of one greedy episode of the best model (full-size renders), and
 * report.html. Greedy scores swing from one evaluation to the next, so the agent shown is the best
 * evaluation's (`best/`), not whatever the last update left. Returns what `best/` holds.
 */
async function writeArtifacts(
  run: RunDirectory,
  program: string,
  built: Playable,
  result: TrainerResult,
  environment: RunEnvironment,
): Promise<BestModelInfo | null> {
  const rows = run.readMetrics();
  await writeTrainingPlots(run.path, rows, program);
  const best = readBestModelInfo(run.path);
  if (best !== null) loadPolicyWeights(run.path, built.qnet, "best");
  const played = writeEpisodeGif(built, join(run.path, "episode.gif"), 4242);
  const shown =
    best === null
      ? "the trained agent"
      : `the best model (greedy mean ${best.evalMean.toFixed(1)} at ${best.frames} frames)`;
  writeReport(run.path, {
    title: program,
    config: run.config,
    environment: { ...environment },
    summary: {
      frames: result.state.frames,
      "wall time (s)": Math.round(result.seconds),
      updates: result.state.updates,
      "last eval return": result.lastEval?.mean ?? "none",
      "best eval return": result.state.bestEval,
      "best model at frames": best?.frames ?? "none",
      "solved at frames": result.state.solvedAtFrames ?? "not solved",
      "GIF episode return": played,
    },
    gifCaption: `A greedy episode of ${shown}: return ${played}`,
  });
  return best;
}

/** Runs `main` when `url` is the entry script; a `FlagError` prints as one line and exits 2. */
export function runIfMain(url: string, main: (argv: readonly string[]) => Promise<void>): void {
  if (process.argv[1] === undefined || url !== new URL(`file://${process.argv[1]}`).href) return;
  main(process.argv.slice(2)).catch((e: unknown) => {
    if (e instanceof FlagError) {
      console.error(`error: ${e.message} (see --help)`);
      process.exitCode = 2;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  });
}

/** One program's command line: its `train` flags and the config they describe, cross-flag rules, build and train. */
export interface ProgramDefinition<S extends FlagSpecs, C extends object> {
  /** Short name: new runs are `runs/<name>-<UTC time>/`, and it titles the report. */
  name: string;
  /** How the program is invoked, for the usage lines (e.g. "npm start --"). */
  invocation: string;
  description: string;
  /** The `train` flags (`--name` and `--resume` are added) and the config a command line describes: `configFlags(RECIPE, {...})`. */
  train: FlagsToConfig<S, C>;
  /** Rules between flags, checked before the backend starts or anything is built: throw a `FlagError` naming them. */
  check?: (values: FlagValues<S>) => void;
  /** Builds a run from a config (for `eval`, the run's own config.json). */
  build: (config: C) => Playable;
  /** Trains, or resumes, from a config. */
  run: (config: C, options: TrainOptions) => Promise<{ result: TrainerResult; built: Playable }>;
}

/**
 * A program's `main(argv)`: `train` (the default command) and `eval`, with `--help` for each. Bad flags
 * and broken cross-flag rules throw a `FlagError` (one line, exit code 2 under `runIfMain`) before the
 * backend starts.
 *
 * @example
 * import { configFlags, FlagError } from "../run/flags";
 *
 * const recipe = { totalFrames: 1000, sliceLen: 8, burnIn: 2 };
 * const never = (): never => { throw new Error("not reached"); };
 * const main = programMain({
 *   name: "toy",
 *   invocation: "toy",
 *   description: "A toy program.",
 *   train: configFlags(recipe, {
 *     frames: { key: "totalFrames", type: "int", positive: true, help: "total env frames" },
 *     sliceLen: { type: "int", min: 2, help: "steps per slice" },
 *     burnIn: { type: "int", min: 0, help: "warm-up steps per slice" },
 *   }),
 *   check: (v) => {
 *     if (v.burnIn >= v.sliceLen) throw new FlagError(`--burn-in ${v.burnIn} must be smaller than --slice-len ${v.sliceLen}`);
 *   },
 *   build: never,
 *   run: never,
 * });
 * let message = "";
 * await main(["--burn-in", "9"]).catch((e: Error) => { message = e.message; });
 * if (message !== "--burn-in 9 must be smaller than --slice-len 8") throw new Error(message);
 */
export function programMain<S extends FlagSpecs, C extends object>(
  def: ProgramDefinition<S, C>,
): (argv: readonly string[]) => Promise<void> {
  for (const flag of Object.keys(RUN_FLAGS)) {
    if (Object.hasOwn(def.train.flags, flag))
      throw new Error(`programMain: ${def.name}'s train flag "${flag}" is one every program has already`);
  }
  const runFlags = { ...RUN_FLAGS, name: { ...RUN_FLAGS.name, defaultText: `${def.name}-<UTC yyyymmdd-hhmmss>` } };
  const cli = {
    program: def.invocation,
    description: def.description,
    defaultCommand: "train",
    commands: {
      train: {
        summary: "train an agent, writing runs/<name>/ (config, metrics, checkpoints)",
        flags: { ...def.train.flags, ...runFlags },
      },
      eval: { summary: "play a run's checkpoint greedily and print the returns", flags: EVAL_FLAGS },
    },
  } as const;
  return async (argv) => {
    const parsed = parseCommandLine(cli, argv);
    if (parsed.kind === "help") return void console.log(parsed.text);
    if (parsed.command === "eval") {
      await startBackend();
      return void evalCommand(parsed.values, def.build);
    }
    const values = parsed.values as FlagValues<S> & FlagValues<typeof RUN_FLAGS>;
    const given = givenFlags(argv.slice(argv[0] === "train" ? 1 : 0), Object.keys(cli.commands.train.flags));
    if (values.resume !== null) {
      // A resumed run keeps its recipe; only its length may change.
      const refused = [...given].filter((f) => f !== "resume" && f !== "frames");
      if (refused.length > 0) {
        throw new FlagError(
          `--resume continues a run with its own recipe: ${refused.map((f) => `--${cliName(f)}`).join(", ")} cannot change it (only --frames, to extend the run)`,
        );
      }
      const run = openRun(values.resume);
      // A run stopped before its first checkpoint has nothing to continue from: a user error, not a crash.
      if (!hasCheckpoint(checkpointDir(run.path)))
        throw new FlagError(
          `${run.path} has no checkpoint to resume from (the run stopped before writing its first one): start it again without --resume`,
        );
      const environment = await startBackend();
      const totalFrames = given.has("frames")
        ? (def.train.config(values) as { totalFrames?: unknown }).totalFrames
        : undefined;
      run.update({ ...run.config, ...(typeof totalFrames === "number" ? { totalFrames } : {}) }, { ...environment });
      await trainCommand(def.name, run, true, environment, def.run);
      return;
    }
    def.check?.(values);
    const config = def.train.config(values);
    const environment = await startBackend();
    const run = RunDirectory.create({
      program: def.name,
      name: values.name,
      config: { ...config } as Record<string, unknown>,
      environment: { ...environment },
    });
    await trainCommand(def.name, run, false, environment, def.run);
  };
}

/** The train flags named on the command line (camelCase), `--no-x` counting as `x`. */
function givenFlags(argv: readonly string[], names: readonly string[]): Set<string> {
  const byCli = new Map(names.map((n) => [cliName(n), n]));
  const given = new Set<string>();
  for (const arg of argv) {
    if (!arg.startsWith("--")) continue;
    const flag = arg.slice(2).split("=")[0]!;
    const name = byCli.get(flag) ?? byCli.get(flag.replace(/^no-/, ""));
    if (name !== undefined) given.add(name);
  }
  return given;
}
