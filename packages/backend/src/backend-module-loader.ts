/**
 * The packages `initBackend` loads; the two tfjs-node ones (Node only) are optional peer dependencies, the
 * others dependencies.
 */
export type BackendModuleName =
  | "@tensorflow/tfjs-node-gpu"
  | "@tensorflow/tfjs-node"
  | "@tensorflow/tfjs-backend-webgpu"
  | "@tensorflow/tfjs-backend-webgl"
  | "@tensorflow/tfjs-backend-wasm"
  | "@tensorflow/tfjs-backend-cpu";

/** Loads one of the backend packages (resolving to its module namespace); injectable so tests can fake one. */
export type BackendModuleLoader = (name: BackendModuleName) => Promise<unknown>;

/**
 * Loads a backend package with dynamic `import()`, in Node (the browser entry uses
 * `importBrowserBackendModule`, which never names tfjs-node).
 *
 * The optional peers go through a variable specifier so that bundlers do not try to resolve packages that
 * are usually absent; wasm and cpu are dependencies and are named literally so bundlers include them; the
 * browser-only webgpu and webgl backends are never asked for in Node.
 *
 * @example
 * ```ts
 * const wasm = await importBackendModule("@tensorflow/tfjs-backend-wasm");
 * ```
 */
export const importBackendModule: BackendModuleLoader = async (name) => {
  switch (name) {
    case "@tensorflow/tfjs-backend-wasm":
      return import("@tensorflow/tfjs-backend-wasm");
    case "@tensorflow/tfjs-backend-cpu":
      return import("@tensorflow/tfjs-backend-cpu");
    default: {
      const specifier: string = name;
      return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
    }
  }
};

/**
 * Whether a failed import means the package itself is not installed (as opposed to installed but failing
 * to load, e.g. a missing native addon or a missing dependency of it, which names another module).
 *
 * @example
 * ```ts
 * isModuleNotFound(Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from x"),
 *   { code: "ERR_MODULE_NOT_FOUND" }), "@tensorflow/tfjs-node"); // true
 * ```
 */
export function isModuleNotFound(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const notFound =
    code === "ERR_MODULE_NOT_FOUND" ||
    code === "MODULE_NOT_FOUND" ||
    /Cannot find (package|module)|Could not resolve|Failed to (load url|resolve)/.test(error.message);
  if (!notFound) return false;
  // The package itself, not a file inside it or one of its dependencies.
  const quoted = new RegExp(`(^|[\\s'"\`])${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(['"\`\\s]|$)`);
  return quoted.test(error.message);
}
