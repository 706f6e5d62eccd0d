import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RunDirectory } from "@tdrl/record";
import { configFlags, FlagError } from "../run/flags";
import { formatRecord, programMain, type ProgramDefinition } from "./program-cli";
import { checkpointDir, writeCheckpoint, type TrainerRecord } from "@tdrl/trainers";

const row = (frames: number, evalMean?: number): TrainerRecord => ({
  frames,
  updates: frames / 16,
  episodes: 10,
  seconds: frames / 100,
  framesPerSecond: 100,
  eps: 0.5,
  trainReward: 21.5,
  loss: 0.0123,
  ...(evalMean === undefined ? {} : { evalMean }),
});

/** A run directory with a (placeholder) checkpoint, as a stopped run leaves it: `--resume` needs one. */
function stoppedRun(root: string, config: Record<string, unknown>): RunDirectory {
  const run = RunDirectory.create({ root, program: "toy", name: "r", config });
  writeCheckpoint(checkpointDir(run.path), { json: { state: { frames: 0 } } });
  return run;
}

describe("formatRecord", () => {
  it("shows frames/s, epsilon, loss, the last evaluation and the time left", () => {
    const context = { totalFrames: 10_000, lastEval: null };
    expect(formatRecord(row(4000), context)).toBe(
      "frames 4000 | episodes 10 | return 21.5 | loss 0.0123 | eps 0.500 | 100 frames/s | 1m 00s left",
    );
    expect(formatRecord(row(5000, 42), context)).toContain("| eval 42.0 | 50s left");
    expect(formatRecord(row(6000), { totalFrames: 10_000, lastEval: 42 })).toContain("| eval 42.0 (last) | 40s left");
    expect(formatRecord(row(10_000), context)).toMatch(/\| done$/);
  });

  it("leaves out what it does not know", () => {
    const line = formatRecord({ ...row(100), loss: Number.NaN, trainReward: Number.NaN });
    expect(line).toBe("frames 100 | episodes 10 | return - | loss - | eps 0.500 | 100 frames/s");
  });
});

describe("programMain", () => {
  const recipe = { totalFrames: 1000, sliceLen: 8, burnIn: 2, lr: 1e-3, gamma: 0.99 };
  type Recipe = typeof recipe;
  const calls: { build: Recipe[]; run: Recipe[] } = { build: [], run: [] };
  const definition: ProgramDefinition<ReturnType<typeof trainFlags>["flags"], Recipe> = {
    name: "toy",
    invocation: "toy",
    description: "A toy program.",
    train: trainFlags(),
    check: (v) => {
      if (v.burnIn >= v.sliceLen)
        throw new FlagError(`--burn-in ${v.burnIn} must be smaller than --slice-len ${v.sliceLen}`);
    },
    build: (config) => {
      calls.build.push(config);
      throw new Error("build reached");
    },
    run: (config) => {
      calls.run.push(config);
      return Promise.reject(new Error("run reached"));
    },
  };
  function trainFlags() {
    return configFlags(recipe, {
      frames: { key: "totalFrames", type: "int", positive: true, help: "total env frames" },
      sliceLen: { type: "int", min: 2, help: "steps per slice" },
      burnIn: { type: "int", min: 0, help: "warm-up steps per slice" },
      lr: { type: "number", positive: true, help: "Adam learning rate", group: "Learning" },
    });
  }
  const main = programMain(definition);
  afterEach(() => {
    calls.build.length = 0;
    calls.run.length = 0;
    vi.restoreAllMocks();
  });

  it("prints help for the program and for train, defaults taken from the config", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await main(["--help"]);
    await main(["train", "--help"]);
    await main(["help", "eval"]);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      [
        "A toy program.",
        "",
        "Usage: toy <command> [flags]",
        "       toy [flags]   (same as: train [flags])",
        "",
        "Commands:",
        "  train  train an agent, writing runs/<name>/ (config, metrics, checkpoints)",
        "  eval   play a run's checkpoint greedily and print the returns",
        "",
        'Run "toy <command> --help" for the flags of a command.',
      ].join("\n"),
      [
        "toy train: train an agent, writing runs/<name>/ (config, metrics, checkpoints)",
        "",
        "Usage: toy train [flags]",
        "",
        "Options:",
        "  --frames <int>          total env frames (a positive integer) (default: 1000)",
        "  --slice-len <int>       steps per slice (an integer >= 2) (default: 8)",
        "  --burn-in <int>         warm-up steps per slice (an integer >= 0) (default: 2)",
        "  --name <name>           run name under runs/ (default: toy-<UTC yyyymmdd-hhmmss>)",
        "  --resume <runs/<name>>  continue a stopped run from its checkpoint (default: none)",
        "",
        "Learning:",
        "  --lr <number>           Adam learning rate (a positive number) (default: 0.001)",
        "",
        "  --help                  show this help",
      ].join("\n"),
      expect.stringContaining("  --checkpoint <runs/<name>>  run directory to play (required)\n"),
    ]);
    expect(calls).toEqual({ build: [], run: [] });
  });

  it("refuses a bad flag with a FlagError naming it, before building anything", async () => {
    await expect(main(["train", "--lrr", "1"])).rejects.toThrow(
      new FlagError("unknown flag --lrr (did you mean --lr?)"),
    );
    await expect(main(["--frames", "0"])).rejects.toThrow(
      new FlagError('--frames: expected a positive integer, got "0"'),
    );
    await expect(main(["trian"])).rejects.toThrow(
      new FlagError('unknown command "trian" (did you mean train?); commands: train, eval'),
    );
    await expect(main(["eval"])).rejects.toThrow(new FlagError("eval needs --checkpoint runs/<name>"));
    expect(calls).toEqual({ build: [], run: [] });
  });

  it("checks the cross-flag rules on the parsed values, before building anything", async () => {
    await expect(main(["--burn-in", "8"])).rejects.toThrow(
      new FlagError("--burn-in 8 must be smaller than --slice-len 8"),
    );
    await expect(main(["train", "--slice-len", "4", "--burn-in", "4"])).rejects.toThrow(
      new FlagError("--burn-in 4 must be smaller than --slice-len 4"),
    );
    expect(calls).toEqual({ build: [], run: [] });
  });

  it("trains on the config the flags describe, in a new run directory named for the program", async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), "program-main-"));
    vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      process.chdir(dir);
      await expect(main(["--frames", "64", "--slice-len=16", "--burn-in", "9"])).rejects.toThrow("run reached");
      const expected = { totalFrames: 64, sliceLen: 16, burnIn: 9, lr: 1e-3, gamma: 0.99 };
      expect(calls.run).toEqual([expected]);
      const [run] = readdirSync(join(dir, "runs"));
      expect(run).toMatch(/^toy-\d{8}-\d{6}$/);
      expect(JSON.parse(readFileSync(join(dir, "runs", run!, "config.json"), "utf8")).config).toEqual(expected);
      expect(recipe.totalFrames).toBe(1000); // the recipe itself is untouched
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("records the backend, Node, tdrl version and git commit in config.json and prints the backend", async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), "program-main-"));
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      process.chdir(dir);
      await expect(main(["--frames", "64"])).rejects.toThrow("run reached");
      const [run] = readdirSync(join(dir, "runs"));
      const environment = JSON.parse(readFileSync(join(dir, "runs", run!, "config.json"), "utf8")).environment;
      expect(environment).toEqual({
        backend: expect.stringMatching(/^(wasm|cpu|tensorflow[\w-]*) \(tfjs "\w+"\)$/),
        node: process.version,
        tdrl: "0.1.0",
        gitCommit: expect.stringMatching(/^[0-9a-f]{12}(\+changes)?$/),
      });
      expect(log.mock.calls[0]![0]).toMatch(/^backend: \w+/);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--resume --frames N extends the run; other recipe flags are refused in one line", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const root = mkdtempSync(join(tmpdir(), "program-resume-"));
    try {
      const run = stoppedRun(root, { ...recipe, sliceLen: 16 });
      await expect(main(["--resume", run.path, "--lr", "1", "--slice-len=4"])).rejects.toThrow(
        new FlagError(
          "--resume continues a run with its own recipe: --lr, --slice-len cannot change it (only --frames, to extend the run)",
        ),
      );
      expect(calls.run).toEqual([]);
      await expect(main(["train", "--resume", run.path, "--frames", "5000"])).rejects.toThrow("run reached");
      expect(calls.run).toEqual([{ ...recipe, sliceLen: 16, totalFrames: 5000 }]);
      expect(RunDirectory.open(run.path).config.totalFrames).toBe(5000);
      // Without --frames the run keeps its length.
      await expect(main(["--resume", run.path])).rejects.toThrow("run reached");
      expect(calls.run[1]!.totalFrames).toBe(5000);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("resolves paths from the user's directory (INIT_CWD under npm); a bad path or TDRL_BACKEND is a one-line user error", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const root = mkdtempSync(join(tmpdir(), "program-paths-"));
    const saved = { initCwd: process.env.INIT_CWD, backend: process.env.TDRL_BACKEND };
    try {
      const run = stoppedRun(root, { ...recipe });
      process.env.INIT_CWD = root;
      // Relative to INIT_CWD, not to the process's directory (apps/examples under npm).
      await expect(main(["--resume", "r"])).rejects.toThrow("run reached");
      expect(calls.run).toHaveLength(1);
      await expect(main(["eval", "--checkpoint", "runs/missing"])).rejects.toThrow(
        new FlagError(`${join(root, "runs", "missing")}: not a run directory (no config.json)`),
      );
      // Nothing to play yet: one line, before anything is built.
      await expect(main(["eval", "--checkpoint", "r"])).rejects.toThrow(
        new FlagError(
          `${run.path} has no best model yet (no evaluation has finished): play the last checkpoint with --policy last`,
        ),
      );
      // A run stopped before its first checkpoint: one line, before the backend starts.
      const early = RunDirectory.create({ root, program: "toy", name: "early", config: { ...recipe } });
      await expect(main(["--resume", early.path])).rejects.toThrow(
        new FlagError(
          `${early.path} has no checkpoint to resume from (the run stopped before writing its first one): start it again without --resume`,
        ),
      );
      await expect(main(["eval", "--checkpoint", early.path, "--policy", "last"])).rejects.toThrow(
        new FlagError(`${early.path} has no checkpoint yet (the run stopped before writing its first one)`),
      );
      expect(calls.build).toEqual([]);
      process.env.TDRL_BACKEND = "gpuu";
      await expect(main(["--resume", run.path])).rejects.toThrow(FlagError);
      await expect(main(["--resume", run.path])).rejects.toThrow(/TDRL_BACKEND="gpuu"/);
      expect(calls.run).toHaveLength(1);
    } finally {
      for (const [key, value] of [
        ["INIT_CWD", saved.initCwd],
        ["TDRL_BACKEND", saved.backend],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("refuses a program that redefines a flag every program has", () => {
    const train = configFlags({ name: "x" }, { name: { type: "string", help: "" } });
    expect(() => programMain({ ...definition, train } as unknown as typeof definition)).toThrow(
      'programMain: toy\'s train flag "name" is one every program has already',
    );
  });
});

describe("runIfMain (a program run as a user runs it)", () => {
  /** Runs the state-DQN program in a child process, as `npm run dqn-cartpole -w examples` would from `userDir`. */
  function run(args: string[], env: Record<string, string> = {}) {
    const userDir = mkdtempSync(join(tmpdir(), "program-user-"));
    try {
      const out = spawnSync(process.execPath, ["--import", "tsx", "src/dqn-cartpole.ts", ...args], {
        cwd: new URL("../..", import.meta.url).pathname,
        env: { ...process.env, INIT_CWD: userDir, ...env },
        encoding: "utf8",
        timeout: 120_000,
      });
      return { status: out.status, stderr: out.stderr, wroteRuns: existsSync(join(userDir, "runs")) };
    } finally {
      rmSync(userDir, { recursive: true, force: true });
    }
  }
  const oneLine = (stderr: string) =>
    stderr
      .trimEnd()
      .split("\n")
      .filter((l) => !l.includes("ExperimentalWarning"));

  it("prints a user error (bad flag, bad path, bad TDRL_BACKEND) as one line, no stack trace, and exits 2", () => {
    const badFlag = run(["--frames", "-5"]);
    expect(badFlag.status).toBe(2);
    expect(oneLine(badFlag.stderr)).toEqual([expect.stringMatching(/^error: --frames: .* \(see --help\)$/)]);

    const badPath = run(["eval", "--checkpoint", "runs/missing"]);
    expect(badPath.status).toBe(2);
    expect(oneLine(badPath.stderr)).toEqual([
      expect.stringMatching(/^error: \/.*\/runs\/missing: not a run directory \(no config\.json\) \(see --help\)$/),
    ]);

    const badBackend = run(["--frames", "64"], { TDRL_BACKEND: "gpuu" });
    expect(badBackend.status).toBe(2);
    expect(oneLine(badBackend.stderr)).toEqual([expect.stringMatching(/^error: .*TDRL_BACKEND="gpuu"/)]);
    expect(badBackend.wroteRuns).toBe(false);
  }, 400_000);
});
