import * as tf from "@tensorflow/tfjs-core";
import type { BackendChoice } from "./backend-preference";

/** The npm package behind each libtensorflow backend. */
export const TENSORFLOW_PACKAGES = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
} as const satisfies Partial<Record<BackendChoice, string>>;

/**
 * How to get a libtensorflow backend that is not installed or does not load, with the wasm alternative.
 *
 * @example
 * ```ts
 * tensorflowInstallHint("tensorflow");
 * // "Install it with `npm install @tensorflow/tfjs-node@4.22.0`. Its install script downloads ..."
 * ```
 */
export function tensorflowInstallHint(choice: keyof typeof TENSORFLOW_PACKAGES): string {
  const pkg = TENSORFLOW_PACKAGES[choice];
  const gpu =
    choice === "tensorflow-gpu" ? " The GPU build also needs CUDA and cuDNN versions matching that libtensorflow." : "";
  return (
    `Install it with \`npm install ${pkg}@${tf.version_core}\` (the version must match @tensorflow/tfjs-core). ` +
    `Its install script downloads the libtensorflow shared library from Google's CDN, so it needs internet ` +
    `access to that CDN at install time; without it the install fails or leaves a package that cannot load.${gpu} ` +
    `Alternatively use the WebAssembly backend, which needs no download: initBackend({ prefer: "wasm" }) ` +
    `or TDRL_BACKEND=wasm.`
  );
}

/**
 * How to recover when a libtensorflow package is installed but fails to load.
 *
 * @example
 * ```ts
 * tensorflowRepairHint("tensorflow"); // "Reinstall it with `npm rebuild @tensorflow/tfjs-node` ..."
 * ```
 */
export function tensorflowRepairHint(choice: keyof typeof TENSORFLOW_PACKAGES): string {
  const pkg = TENSORFLOW_PACKAGES[choice];
  return (
    `This usually means its install script could not download libtensorflow (it needs internet access to ` +
    `Google's CDN) or the native addon does not match this Node.js; rerun it with \`npm rebuild ${pkg}\`. ` +
    `Alternatively use the WebAssembly backend: initBackend({ prefer: "wasm" }) or TDRL_BACKEND=wasm.`
  );
}
