import { describe, expect, expectTypeOf, it } from "vitest";
import { FlagError, cliName, commandHelp, configFlags, defineFlags, parseCommandLine, parseFlags } from "./flags";

const trainFlags = defineFlags({
  lr: { type: "number", default: 1e-3, positive: true, help: "Adam learning rate", group: "Optimization" },
  batchSize: { type: "int", default: 32, min: 1, max: 4096, help: "minibatch size", group: "Optimization" },
  gamma: { type: "number", default: 0.99, min: 0, max: 1, help: "discount" },
  device: { type: "enum", values: ["wasm", "cpu"], default: "wasm", help: "tfjs backend" },
  resume: { type: "string", default: null, placeholder: "run dir", help: "continue a run" },
  name: { type: "string", default: "flagship", help: "run name" },
  gif: { type: "bool", default: true, help: "write a GIF" },
  verbose: { type: "bool", default: false, help: "more output" },
});
const program = {
  program: "flagship",
  description: "Recurrent DQN on pixel CartPole.",
  defaultCommand: "train",
  commands: {
    train: { summary: "train an agent", flags: trainFlags },
    eval: {
      summary: "play a checkpoint greedily",
      flags: defineFlags({
        checkpoint: { type: "string", default: null, required: true, placeholder: "runs/<name>", help: "run to play" },
        episodes: { type: "int", default: 10, positive: true, help: "episodes" },
      }),
    },
  },
} as const;

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FlagError);
    return (e as Error).message;
  }
  throw new Error("expected a FlagError");
}

describe("parseFlags", () => {
  it("returns the defaults when nothing is given", () => {
    expect(parseFlags(trainFlags, [])).toEqual({
      lr: 1e-3,
      batchSize: 32,
      gamma: 0.99,
      device: "wasm",
      resume: null,
      name: "flagship",
      gif: true,
      verbose: false,
    });
  });

  it("parses every type, in both --name value and --name=value forms", () => {
    const v = parseFlags(trainFlags, [
      "--lr",
      "3e-4",
      "--batch-size=64",
      "--device",
      "cpu",
      "--resume",
      "runs/a",
      "--no-gif",
      "--verbose",
      "--gamma=0",
    ]);
    expect(v).toEqual({
      lr: 3e-4,
      batchSize: 64,
      gamma: 0,
      device: "cpu",
      resume: "runs/a",
      name: "flagship",
      gif: false,
      verbose: true,
    });
    expect(parseFlags(trainFlags, ["--verbose=false", "--gif=true"])).toMatchObject({ verbose: false, gif: true });
    expect(parseFlags(trainFlags, ["--gif", "false", "--verbose", "true"])).toMatchObject({
      verbose: true,
      gif: false,
    });
  });

  it("types the values from the spec", () => {
    const v = parseFlags(trainFlags, []);
    expectTypeOf(v.lr).toEqualTypeOf<number>();
    expectTypeOf(v.device).toEqualTypeOf<"wasm" | "cpu">();
    expectTypeOf(v.resume).toEqualTypeOf<string | null>();
    expectTypeOf(v.name).toEqualTypeOf<string>();
    expectTypeOf(v.gif).toEqualTypeOf<boolean>();
  });

  it("says what is wrong with a value", () => {
    expect(errorOf(() => parseFlags(trainFlags, ["--lr", "abc"]))).toBe('--lr: expected a positive number, got "abc"');
    expect(errorOf(() => parseFlags(trainFlags, ["--lr", "-1"]))).toBe('--lr: expected a positive number, got "-1"');
    expect(errorOf(() => parseFlags(trainFlags, ["--lr"]))).toBe("--lr: expected a positive number, got nothing");
    expect(errorOf(() => parseFlags(trainFlags, ["--batch-size", "2.5"]))).toBe(
      '--batch-size: expected an integer between 1 and 4096, got "2.5"',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--batch-size=5000"]))).toBe(
      '--batch-size: expected an integer between 1 and 4096, got "5000"',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--gamma", "1.5"]))).toBe(
      '--gamma: expected a number between 0 and 1, got "1.5"',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--device", "gpu"]))).toBe(
      '--device: expected one of wasm, cpu, got "gpu"',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--verbose=yes"]))).toBe(
      '--verbose: expected true or false (or no value), got "yes"',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--resume", "--verbose"]))).toBe(
      "--resume: expected a run dir value, got nothing",
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--no-gif=1"]))).toBe('--no-gif: takes no value, got "1"');
  });

  it("suggests the nearest flag for a typo, and rejects repeats and stray words", () => {
    expect(errorOf(() => parseFlags(trainFlags, ["--lrr", "1"]))).toBe("unknown flag --lrr (did you mean --lr?)");
    expect(errorOf(() => parseFlags(trainFlags, ["--batchsize", "1"]))).toBe(
      "unknown flag --batchsize (did you mean --batch-size?)",
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--frobnicate"]))).toBe("unknown flag --frobnicate");
    expect(errorOf(() => parseFlags(trainFlags, ["--no-lr"]))).toBe("--no-lr: --lr is not an on/off flag");
    expect(errorOf(() => parseFlags(trainFlags, ["--lr", "1", "--lr=2"]))).toBe("--lr given twice");
    expect(errorOf(() => parseFlags(trainFlags, ["oops"]))).toBe(
      'unexpected argument "oops": flags look like --name value or --name=value',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["-x"]))).toBe(
      'unexpected argument "-x": flags look like --name value or --name=value',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--", "--lr", "1"]))).toBe(
      'unexpected argument "--": flags look like --name value or --name=value',
    );
    expect(errorOf(() => parseFlags(trainFlags, ["--gif", "yes"]))).toBe(
      'unexpected argument "yes": flags look like --name value or --name=value',
    );
  });

  it("refuses a spec whose default breaks its own rules", () => {
    expect(() => defineFlags({ lr: { type: "number", default: 0, positive: true, help: "" } })).toThrow(
      'flag spec "lr": default 0 is not a positive number',
    );
    expect(() => defineFlags({ d: { type: "enum", values: ["a"], default: "b" as "a", help: "" } })).toThrow(
      'flag spec "d": default "b" is not one of a',
    );
  });

  it("turns camelCase names into kebab-case flags", () => {
    expect(cliName("frameSkip")).toBe("frame-skip");
    expect(cliName("lr")).toBe("lr");
  });
});

describe("parseCommandLine", () => {
  it("dispatches subcommands and uses the default command for bare flags", () => {
    const e = parseCommandLine(program, ["eval", "--episodes", "3", "--checkpoint", "runs/a"]);
    expect(e).toEqual({ kind: "command", command: "eval", values: { episodes: 3, checkpoint: "runs/a" } });
    if (e.kind === "command" && e.command === "eval") expectTypeOf(e.values.checkpoint).toEqualTypeOf<string>();
    expect(errorOf(() => parseCommandLine(program, ["eval"]))).toBe("--checkpoint is required (run to play)");
    expect(commandHelp(program, "eval")).toContain("  --checkpoint <runs/<name>>  run to play (required)\n");
    const t = parseCommandLine(program, ["--lr=0.5"]);
    expect(t.kind === "command" && t.command === "train" && t.values.lr).toBe(0.5);
    expect(parseCommandLine(program, []).kind).toBe("command");
  });

  it("returns help text for --help, -h and help <command>", () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const h = parseCommandLine(program, argv);
      expect(h.kind).toBe("help");
      if (h.kind === "help") expect(h.text).toContain("  train  train an agent\n  eval   play a checkpoint greedily");
    }
    const h = parseCommandLine(program, ["train", "--lrr", "--help"]);
    expect(h).toEqual({ kind: "help", text: commandHelp(program, "train") });
    expect(parseCommandLine(program, ["help", "eval"])).toEqual({ kind: "help", text: commandHelp(program, "eval") });
  });

  it("generates grouped help with types, defaults and ranges", () => {
    const text = commandHelp(program, "train");
    expect(text).toBe(
      [
        "flagship train: train an agent",
        "",
        "Usage: flagship train [flags]",
        "",
        "Optimization:",
        "  --lr <number>        Adam learning rate (a positive number) (default: 0.001)",
        "  --batch-size <int>   minibatch size (an integer between 1 and 4096) (default: 32)",
        "",
        "Options:",
        "  --gamma <number>     discount (a number between 0 and 1) (default: 0.99)",
        "  --device <wasm|cpu>  tfjs backend (default: wasm)",
        "  --resume <run dir>   continue a run (default: none)",
        "  --name <text>        run name (default: flagship)",
        "  --gif                write a GIF (default: on; --no-gif turns it off)",
        "  --verbose            more output (default: off)",
        "",
        "  --help               show this help",
      ].join("\n"),
    );
  });

  it("names an unknown command and the nearest one", () => {
    expect(errorOf(() => parseCommandLine(program, ["trian"]))).toBe(
      'unknown command "trian" (did you mean train?); commands: train, eval',
    );
    expect(errorOf(() => parseCommandLine(program, ["help", "xyz"]))).toBe(
      'unknown command "xyz"; commands: train, eval',
    );
  });
});

describe("configFlags", () => {
  const base = {
    totalFrames: 50_000,
    lr: 2.3e-3,
    double: true,
    lossFunction: "smoothL1" as "smoothL1" | "huber",
    note: null as string | null,
  };
  const bound = configFlags(base, {
    frames: { key: "totalFrames", type: "int", positive: true, help: "total env frames" },
    lr: { type: "number", positive: true, help: "Adam learning rate" },
    double: { type: "bool", help: "double DQN targets" },
    lossFunction: { type: "enum", values: ["smoothL1", "huber"], help: "TD loss" },
    note: { type: "string", help: "a note" },
  });

  it("takes every default from the config, and types the values from the specs", () => {
    expect(parseFlags(bound.flags, [])).toEqual({
      frames: 50_000,
      lr: 2.3e-3,
      double: true,
      lossFunction: "smoothL1",
      note: null,
    });
    expect(bound.config(parseFlags(bound.flags, []))).toEqual(base);
    expect(
      commandHelp(
        { program: "p", description: "", commands: { train: { summary: "s", flags: bound.flags } } },
        "train",
      ),
    ).toMatch(/\n {2}--double +double DQN targets \(default: on; --no-double turns it off\)\n/);
    const v = parseFlags(bound.flags, []);
    expectTypeOf(v.frames).toEqualTypeOf<number>();
    expectTypeOf(v.double).toEqualTypeOf<boolean>();
    expectTypeOf(v.lossFunction).toEqualTypeOf<"smoothL1" | "huber">();
    expectTypeOf(v.note).toEqualTypeOf<string | null>();
  });

  it("writes each flag's value to its key and leaves the base alone", () => {
    const config = bound.config(
      parseFlags(bound.flags, ["--frames", "1000", "--no-double", "--loss-function", "huber", "--note=x"]),
    );
    expect(config).toEqual({ totalFrames: 1000, lr: 2.3e-3, double: false, lossFunction: "huber", note: "x" });
    expect(base.totalFrames).toBe(50_000);
    expect(base.double).toBe(true);
  });

  it("lets a flag keep a default of its own", () => {
    const own = configFlags(base, { double: { type: "bool", default: false, help: "double DQN targets" } });
    expect(own.flags.double.default).toBe(false);
    expect(own.config(parseFlags(own.flags, []))).toEqual({ ...base, double: false });
  });

  it("refuses a key the config lacks, a value of another type, or a default out of the flag's range", () => {
    // @ts-expect-error "frames" is not a key of the config
    expect(() => configFlags(base, { frames: { type: "int", help: "" } })).toThrow(
      'configFlags: flag "frames" sets config key "frames", which the config does not have',
    );
    expect(() => configFlags(base, { lr: { key: "double", type: "number", help: "" } })).toThrow(
      'configFlags: flag "lr" is a number flag, but config key "double" holds true',
    );
    expect(() => configFlags(base, { note: { key: "lr", type: "string", help: "" } })).toThrow(
      'configFlags: flag "note" is a string flag, but config key "lr" holds 0.0023',
    );
    expect(() => configFlags(base, { lr: { type: "number", max: 1e-3, help: "" } })).toThrow(
      'flag spec "lr": default 0.0023 is not a number <= 0.001',
    );
    expect(() => configFlags(base, { lossFunction: { type: "enum", values: ["huber"], help: "" } })).toThrow(
      'flag spec "lossFunction": default "smoothL1" is not one of huber',
    );
  });
});

describe("defaultText", () => {
  it("says in --help what an absent optional flag stands for", () => {
    const flags = defineFlags({
      name: { type: "string", default: null, placeholder: "name", help: "run name", defaultText: "toy-<time>" },
    });
    expect(
      commandHelp({ program: "p", description: "", commands: { train: { summary: "s", flags } } }, "train"),
    ).toContain("  --name <name>  run name (default: toy-<time>)\n");
    expect(parseFlags(flags, []).name).toBeNull();
  });
});
