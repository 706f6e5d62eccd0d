/**
 * A compute backend tdrl can run on: libtensorflow with CUDA or on the CPU (Node only), WebGPU or WebGL
 * (browsers only), WebAssembly, plain JS.
 */
export type BackendChoice = "tensorflow-gpu" | "tensorflow" | "webgpu" | "webgl" | "wasm" | "cpu";

/**
 * What `initBackend` should use; `auto` takes the first that works of tensorflow-gpu, tensorflow, wasm, cpu
 * in Node and of webgpu, webgl, wasm, cpu in a browser.
 */
export type BackendPreference = "auto" | BackendChoice;

/** Every accepted preference: `auto`, then the Node-only, browser-only and universal backends. */
export const BACKEND_PREFERENCES: readonly BackendPreference[] = [
  "auto",
  "tensorflow-gpu",
  "tensorflow",
  "webgpu",
  "webgl",
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
