/** A compute backend tdrl can run on: libtensorflow with CUDA, libtensorflow on the CPU, WebAssembly, plain JS. */
export type BackendChoice = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** What `initBackend` should use; `auto` takes the first of tensorflow-gpu, tensorflow, wasm, cpu that works. */
export type BackendPreference = "auto" | BackendChoice;

/** Every accepted preference, in the order `auto` tries the concrete ones. */
export const BACKEND_PREFERENCES: readonly BackendPreference[] = [
  "auto",
  "tensorflow-gpu",
  "tensorflow",
  "wasm",
  "cpu",
];

/** The environment variable that overrides `initBackend`'s `prefer` option. */
export const BACKEND_ENV_VAR = "TDRL_BACKEND";

/** The environment variable that sets the experimental wasm thread count (overrides the option). */
export const WASM_THREADS_ENV_VAR = "TDRL_WASM_THREADS";

/** Where the preference in effect came from. */
export type PreferenceSource = "env" | "option" | "default";

/**
 * Picks the preference in effect: the `TDRL_BACKEND` environment variable when set (so a user can switch
 * without changing code), else the option, else `auto`. Throws on a value that is not a preference.
 *
 * @example
 * ```ts
 * resolveBackendPreference("wasm", { TDRL_BACKEND: "cpu" }); // { preference: "cpu", source: "env" }
 * resolveBackendPreference(undefined, {});                  // { preference: "auto", source: "default" }
 * ```
 */
export function resolveBackendPreference(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { preference: BackendPreference; source: PreferenceSource } {
  const fromEnv = env[BACKEND_ENV_VAR]?.trim();
  if (fromEnv !== undefined && fromEnv !== "") {
    return { preference: checkPreference(fromEnv, `${BACKEND_ENV_VAR}=${JSON.stringify(fromEnv)}`), source: "env" };
  }
  if (option !== undefined) {
    return {
      preference: checkPreference(option, `initBackend({ prefer: ${JSON.stringify(option)} })`),
      source: "option",
    };
  }
  return { preference: "auto", source: "default" };
}

function checkPreference(value: string, where: string): BackendPreference {
  const found = BACKEND_PREFERENCES.find((p) => p === value);
  if (found === undefined) {
    throw new Error(
      `Invalid backend in ${where}: expected one of ${BACKEND_PREFERENCES.map((p) => `"${p}"`).join(", ")}`,
    );
  }
  return found;
}

/**
 * The experimental wasm thread count in effect: `TDRL_WASM_THREADS` when set, else the option, else null.
 * Throws on a value that is not a positive integer.
 *
 * @example
 * ```ts
 * resolveWasmThreads(undefined, { TDRL_WASM_THREADS: "2" }); // 2
 * resolveWasmThreads(undefined, {});                         // null
 * ```
 */
export function resolveWasmThreads(
  option: number | undefined,
  env: Readonly<Record<string, string | undefined>>,
): number | null {
  const fromEnv = env[WASM_THREADS_ENV_VAR]?.trim();
  const [value, where] =
    fromEnv !== undefined && fromEnv !== ""
      ? [Number(fromEnv), `${WASM_THREADS_ENV_VAR}=${JSON.stringify(fromEnv)}`]
      : [option, `initBackend({ experimentalWasmThreads: ${String(option)} })`];
  if (value === undefined) return null;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`Invalid wasm thread count in ${where}: expected a positive integer`);
  }
  return value;
}
