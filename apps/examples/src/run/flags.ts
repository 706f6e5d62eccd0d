import { closestName } from "@tdrl/tensordict";
import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * A small typed command-line flag parser for the example programs: a spec of flags gives the parsed
 * types, the defaults, the validation and the `--help` text, so the four never disagree.
 */

interface FlagCommon {
  help: string;
  /** Heading the flag is listed under in `--help` (default "Options"). */
  group?: string;
}
/** A number, or with `type: "int"` an integer. */
export interface NumberFlag extends FlagCommon {
  type: "number" | "int";
  default: number;
  /** The value must be > 0. */
  positive?: boolean;
  min?: number;
  max?: number;
}
export interface StringFlag extends FlagCommon {
  type: "string";
  /** `null`: the flag is optional and absent unless given. */
  default: string | null;
  /** The flag must be given (then `default` is only what `--help` shows: use null). */
  required?: boolean;
  /** Placeholder shown in `--help` (default "text"). */
  placeholder?: string;
  /** What `--help` gives as the default of an absent optional flag (default "none"), e.g. "flagship-<UTC time>". */
  defaultText?: string;
}
export interface BoolFlag extends FlagCommon {
  type: "bool";
  default: boolean;
}
export interface EnumFlag<V extends string = string> extends FlagCommon {
  type: "enum";
  values: readonly V[];
  default: V;
}
export type FlagSpec = NumberFlag | StringFlag | BoolFlag | EnumFlag;
/** Flags by their camelCase name; on the command line `frameSkip` is `--frame-skip`. */
export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed values of a spec, typed from it. */
export type FlagValues<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K] extends BoolFlag
    ? boolean
    : S[K] extends EnumFlag<infer V>
      ? V
      : S[K] extends StringFlag
        ? S[K] extends { required: true }
          ? string
          : S[K]["default"] extends string
            ? string
            : string | null
        : number;
};

export interface CommandSpec<S extends FlagSpecs = FlagSpecs> {
  /** One line for the command list. */
  summary: string;
  flags: S;
}
export interface ProgramSpec<C extends Record<string, CommandSpec>> {
  /** How the program is invoked, for the usage lines (e.g. "npm start --"). */
  program: string;
  description: string;
  commands: C;
  /** Command used when the first argument is a flag or absent (e.g. "train"). */
  defaultCommand?: keyof C & string;
}

/** The result of parsing: the chosen command with its values, or help text the caller prints. */
export type ParsedCommandLine<C extends Record<string, CommandSpec>> =
  | { [K in keyof C & string]: { kind: "command"; command: K; values: FlagValues<C[K]["flags"]> } }[keyof C & string]
  | { kind: "help"; text: string };

/** A command-line mistake; the message says which flag and what is wrong, ready to print. */
export class FlagError extends Error {
  override name = "FlagError";
}

/** Identity helper that keeps the literal types of a spec (enum values, null defaults) for `FlagValues`. */
export function defineFlags<const S extends FlagSpecs>(specs: S): S {
  for (const [name, spec] of Object.entries(specs)) checkDefault(name, spec);
  return specs;
}

/** A flag that sets one key of a config: a `FlagSpec` whose `default` is the config's value. */
export type ConfigFlagSpec<C> = Bindable<FlagSpec, C>;
type Bindable<X extends FlagSpec, C> = X extends unknown
  ? Omit<X, "default"> & {
      /** The config key the flag sets (default: the flag's own name). */
      key?: keyof C & string;
      /** Only where the command line's default must differ from the config's. */
      default?: X["default"];
    }
  : never;
/** The flag specs `configFlags` makes of `ConfigFlagSpec`s (defaults filled in, `key` gone). */
export type FilledFlags<S> = { -readonly [K in keyof S]: Filled<S[K]> };
type Filled<X> = X extends { type: "enum"; values: readonly (infer V extends string)[] }
  ? EnumFlag<V>
  : X extends { type: "bool" }
    ? BoolFlag
    : X extends { type: "string" }
      ? StringFlag
      : NumberFlag;

/** A command's flags and the config a parsed command line describes. */
export interface FlagsToConfig<S extends FlagSpecs, C> {
  flags: S;
  config(values: FlagValues<S>): C;
}

/**
 * Flags bound to the keys of a config object: each flag's default is `base`'s value (so `--help` shows
 * the recipe as it is), and `config(values)` is `base` with every flag's value at its key. A key the
 * config lacks, or holds a value of another type, is refused here, when the program is defined.
 *
 * @example
 * import { configFlags, parseFlags } from "./flags";
 *
 * const base = { totalFrames: 50_000, lr: 1e-3, double: true, gamma: 0.99 };
 * const train = configFlags(base, {
 *   frames: { key: "totalFrames", type: "int", positive: true, help: "total env frames" },
 *   lr: { type: "number", positive: true, help: "Adam learning rate" },
 *   double: { type: "bool", help: "double DQN targets" },
 * });
 * if (train.flags.frames.default !== 50_000) throw new Error("default not taken from the config");
 * const config = train.config(parseFlags(train.flags, ["--frames", "1000", "--no-double"]));
 * if (config.totalFrames !== 1000 || config.double !== false || config.lr !== 1e-3 || config.gamma !== 0.99) throw new Error(JSON.stringify(config));
 */
export function configFlags<C extends object, const S extends Record<string, ConfigFlagSpec<C>>>(
  base: C,
  // A flag named for no config key must say which key it sets.
  specs: S & { [K in keyof S]: K extends keyof C ? unknown : { key: keyof C & string } },
): FlagsToConfig<FilledFlags<S>, C> {
  const keys = new Map<string, string>();
  const filled: Record<string, FlagSpec> = {};
  for (const [name, bound] of Object.entries(specs)) {
    const { key = name, ...spec } = bound as ConfigFlagSpec<C>;
    if (!Object.hasOwn(base, key))
      throw new Error(`configFlags: flag "${name}" sets config key "${key}", which the config does not have`);
    const value = spec.default !== undefined ? spec.default : (base as Record<string, unknown>)[key];
    const expected = { number: "number", int: "number", bool: "boolean", enum: "string", string: "string" }[spec.type];
    if (typeof value !== expected && !(spec.type === "string" && value === null)) {
      throw new Error(
        `configFlags: flag "${name}" is a ${spec.type} flag, but config key "${key}" holds ${JSON.stringify(value)}`,
      );
    }
    keys.set(name, key);
    filled[name] = { ...spec, default: value } as FlagSpec;
  }
  const flags = defineFlags(filled) as FilledFlags<S>;
  return {
    flags,
    config: (values) => {
      const config = { ...base } as Record<string, unknown>;
      for (const [name, key] of keys) config[key] = (values as Record<string, unknown>)[name];
      return config as C;
    },
  };
}

/**
 * Parses `argv` (without `node` and the script) for a program with subcommands (`train`, `eval`, ...).
 * `--help` / `-h` anywhere, or `help [command]`, returns help text instead of values.
 *
 * @example
 * import { defineFlags, parseCommandLine } from "./flags";
 *
 * const program = {
 *   program: "flagship",
 *   description: "Recurrent DQN on pixel CartPole.",
 *   defaultCommand: "train",
 *   commands: {
 *     train: { summary: "train an agent", flags: defineFlags({ lr: { type: "number", default: 1e-3, positive: true, help: "Adam learning rate" } }) },
 *     eval: { summary: "play a checkpoint", flags: defineFlags({ episodes: { type: "int", default: 10, positive: true, help: "episodes to play" } }) },
 *   },
 * } as const;
 * const parsed = parseCommandLine(program, ["train", "--lr", "3e-4"]);
 * if (parsed.kind !== "command" || parsed.command !== "train" || parsed.values.lr !== 3e-4) throw new Error("parse failed");
 * let message = "";
 * try { parseCommandLine(program, ["train", "--lrr=1"]); } catch (e) { message = (e as Error).message; }
 * if (message !== "unknown flag --lrr (did you mean --lr?)") throw new Error(message);
 */
export function parseCommandLine<const C extends Record<string, CommandSpec>>(
  spec: ProgramSpec<C>,
  argv: readonly string[],
): ParsedCommandLine<C> {
  const names = Object.keys(spec.commands);
  const first = argv[0];
  if (first === "--help" || first === "-h") return { kind: "help", text: programHelp(spec) };
  if (first === undefined || first.startsWith("-")) {
    if (spec.defaultCommand === undefined) {
      if (first === undefined) return { kind: "help", text: programHelp(spec) };
      throw new FlagError(`expected a command (${names.join(", ")}) before ${first}`);
    }
    return parseCommand(spec, spec.defaultCommand, argv);
  }
  if (first === "help") {
    const which = argv[1];
    if (which === undefined) return { kind: "help", text: programHelp(spec) };
    return { kind: "help", text: commandHelp(spec, commandName(spec, which)) };
  }
  return parseCommand(spec, commandName(spec, first), argv.slice(1));
}

function commandName<C extends Record<string, CommandSpec>>(spec: ProgramSpec<C>, name: string): keyof C & string {
  if (Object.hasOwn(spec.commands, name)) return name;
  const names = Object.keys(spec.commands);
  const guess = closestName(name, names);
  throw new FlagError(
    `unknown command "${name}"${guess === undefined ? "" : ` (did you mean ${guess}?)`}; commands: ${names.join(", ")}`,
  );
}

function parseCommand<C extends Record<string, CommandSpec>>(
  spec: ProgramSpec<C>,
  command: keyof C & string,
  argv: readonly string[],
): ParsedCommandLine<C> {
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help", text: commandHelp(spec, command) };
  const values = parseFlags(spec.commands[command]!.flags, argv);
  return { kind: "command", command, values } as ParsedCommandLine<C>;
}

/** Parses flags alone (no command) with Node's `util.parseArgs`. Values not given take their defaults. */
export function parseFlags<const S extends FlagSpecs>(specs: S, argv: readonly string[]): FlagValues<S> {
  const byCli = new Map(Object.keys(specs).map((name) => [cliName(name), name]));
  const options: ParseArgsConfig["options"] = {};
  for (const [flag, name] of byCli) options[flag] = { type: specs[name]!.type === "bool" ? "boolean" : "string" };
  // Not strict: the tokens are checked here, for messages that name the flag and the nearest one.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) values[name] = s.default;
  const seen = new Set<string>();
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.kind !== "option" || !token.rawName.startsWith("--")) {
      const arg = token.kind === "option" ? token.rawName : token.kind === "positional" ? token.value : "--";
      throw new FlagError(`unexpected argument "${arg}": flags look like --name value or --name=value`);
    }
    const flag = token.name;
    const positive = flag.startsWith("no-") ? byCli.get(flag.slice(3)) : undefined;
    const name = byCli.get(flag) ?? positive;
    if (name === undefined) {
      const guess = closestName(flag, [...byCli.keys()]);
      throw new FlagError(`unknown flag --${flag}${guess === undefined ? "" : ` (did you mean --${guess}?)`}`);
    }
    const s = specs[name]!;
    const negated = name === positive;
    if (negated && s.type !== "bool") throw new FlagError(`--${flag}: --${flag.slice(3)} is not an on/off flag`);
    if (seen.has(name)) throw new FlagError(`--${cliName(name)} given twice`);
    seen.add(name);
    // parseArgs takes the next argument as a value even if it is a flag: that is a missing value here.
    let text = token.inlineValue === false && token.value?.startsWith("--") ? undefined : token.value;
    // An on/off flag may be followed by its value: `--gif false`.
    const next = tokens[t + 1];
    const onOff = next?.kind === "positional" && /^(true|false)$/.test(next.value) ? next.value : undefined;
    if (s.type === "bool" && !negated && text === undefined && onOff !== undefined) [text, t] = [onOff, t + 1];
    if (negated && text !== undefined) throw new FlagError(`--${flag}: takes no value, got "${text}"`);
    values[name] = negated ? false : parseValue(cliName(name), s, text);
  }
  for (const [name, s] of Object.entries(specs)) {
    if (s.type === "string" && s.required === true && !seen.has(name))
      throw new FlagError(`--${cliName(name)} is required (${s.help})`);
  }
  return values as FlagValues<S>;
}

function parseValue(flag: string, s: FlagSpec, text: string | undefined): unknown {
  const fail = (expected: string): never => {
    throw new FlagError(
      `--${flag}: expected ${expected}, got ${text === undefined ? "nothing" : JSON.stringify(text)}`,
    );
  };
  switch (s.type) {
    case "bool":
      if (text === undefined || text === "true") return true;
      if (text === "false") return false;
      return fail("true or false (or no value)");
    case "string":
      if (text === undefined) return fail(`a ${s.placeholder ?? "text"} value`);
      return text;
    case "enum":
      if (text === undefined || !s.values.includes(text)) return fail(`one of ${s.values.join(", ")}`);
      return text;
    case "number":
    case "int": {
      const n = text === undefined || text.trim() === "" ? Number.NaN : Number(text);
      return fitsNumber(s, n) ? n : fail(describeNumber(s));
    }
  }
}

/** Whether `n` is a finite number (an integer for "int") inside the flag's bounds. */
function fitsNumber(s: NumberFlag, n: number): boolean {
  if (!Number.isFinite(n) || (s.type === "int" && !Number.isInteger(n))) return false;
  return !(s.positive === true && n <= 0) && !(s.min !== undefined && n < s.min) && !(s.max !== undefined && n > s.max);
}

/** "a positive number", "an integer between 1 and 8", "a number >= 0" ... */
function describeNumber(s: NumberFlag): string {
  const noun = s.type === "int" ? "integer" : "number";
  const low = s.positive === true ? "positive " : "";
  const article = low === "" && noun === "integer" ? "an" : "a";
  if (s.min !== undefined && s.max !== undefined) return `${article} ${low}${noun} between ${s.min} and ${s.max}`;
  if (s.min !== undefined) return `${article} ${low}${noun} >= ${s.min}`;
  if (s.max !== undefined) return `${article} ${low}${noun} <= ${s.max}`;
  return `${article} ${low}${noun}`;
}

function checkDefault(name: string, s: FlagSpec): void {
  if ((s.type === "number" || s.type === "int") && !fitsNumber(s, s.default))
    throw new Error(`flag spec "${name}": default ${s.default} is not ${describeNumber(s)}`);
  if (s.type === "enum" && !s.values.includes(s.default)) {
    throw new Error(`flag spec "${name}": default ${JSON.stringify(s.default)} is not one of ${s.values.join(", ")}`);
  }
}

/** `frameSkip` -> `frame-skip`. */
export function cliName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Help text for the whole program: usage and the command list. */
export function programHelp<C extends Record<string, CommandSpec>>(spec: ProgramSpec<C>): string {
  const width = Math.max(...Object.keys(spec.commands).map((c) => c.length));
  const lines = [spec.description, "", `Usage: ${spec.program} <command> [flags]`];
  if (spec.defaultCommand !== undefined)
    lines.push(`       ${spec.program} [flags]   (same as: ${spec.defaultCommand} [flags])`);
  lines.push("", "Commands:");
  for (const [name, c] of Object.entries<CommandSpec>(spec.commands))
    lines.push(`  ${name.padEnd(width)}  ${c.summary}`);
  lines.push("", `Run "${spec.program} <command> --help" for the flags of a command.`);
  return lines.join("\n");
}

/** Help text for one command: its flags grouped by `group`, each with its type, default and constraints. */
export function commandHelp<C extends Record<string, CommandSpec>>(spec: ProgramSpec<C>, command: string): string {
  const c: CommandSpec | undefined = spec.commands[command];
  if (c === undefined) throw new Error(`commandHelp: no command ${JSON.stringify(command)}`);
  const rows = Object.entries(c.flags).map(([name, s]) => ({
    group: s.group ?? "Options",
    left: `--${cliName(name)} ${placeholder(s)}`.trimEnd(),
    right: describeFlag(name, s),
  }));
  const width = Math.max(0, ...rows.map((r) => r.left.length));
  const lines = [`${spec.program} ${command}: ${c.summary}`, "", `Usage: ${spec.program} ${command} [flags]`];
  for (const group of [...new Set(rows.map((r) => r.group))]) {
    lines.push("", `${group}:`);
    for (const r of rows.filter((x) => x.group === group)) lines.push(`  ${r.left.padEnd(width)}  ${r.right}`);
  }
  lines.push("", `  ${"--help".padEnd(width)}  show this help`);
  return lines.join("\n");
}

function placeholder(s: FlagSpec): string {
  if (s.type === "bool") return "";
  return `<${s.type === "enum" ? s.values.join("|") : s.type === "string" ? (s.placeholder ?? "text") : s.type}>`;
}

function describeFlag(name: string, s: FlagSpec): string {
  const parts = [s.help];
  if (s.type === "number" || s.type === "int") {
    const range = describeNumber(s);
    if (range !== "a number" && range !== "an integer") parts.push(`(${range})`);
  }
  if (s.type === "bool") parts.push(`(default: ${s.default ? `on; --no-${cliName(name)} turns it off` : "off"})`);
  else if (s.type === "string" && s.required === true) parts.push("(required)");
  else if (s.default === null) parts.push(`(default: ${s.defaultText ?? "none"})`);
  else if (s.default !== "") parts.push(`(default: ${s.default})`);
  return parts.join(" ");
}
