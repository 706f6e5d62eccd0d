import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { EnvBase } from "./env-base";

/**
 * What a module exports for `ParallelEnv`: a function that builds sub-env `index` from `args` (it may be
 * async). An `EnvBase` subclass works too; it is called as `new Env(args)`.
 *
 * @example
 * // my-envs.ts
 * export const makeCartPole: EnvFactory<{ pixels: boolean }> = (index, args) => new CartPoleEnv({ fromPixels: args.pixels });
 */
export type EnvFactory<A = undefined> = (index: number, args: A) => EnvBase | Promise<EnvBase>;

/** Where a worker finds its env: a module, the name of an export in it, and the arguments to pass. */
export interface EnvModuleRef<A = unknown> {
  /**
   * A `file:` URL (`new URL("./my-envs.js", import.meta.url)`), an absolute path, or a package name
   * (resolved by `import()` from the working directory). A `.ts` / `.mts` / `.cts` module is loaded with
   * tsx's `tsImport`, found from the module's directory, with the nearest tsconfig.json (for `paths`).
   */
  module: URL | string;
  /** The export to call: an `EnvFactory` or an `EnvBase` subclass. Default `"default"`. */
  exportName?: string;
  /** Passed to the factory (or constructor) in every worker; must survive `structuredClone`. */
  args?: A;
}

/** The module reference as the worker script reads it. */
export interface ResolvedEnvModule {
  url: string;
  exportName: string;
  args: unknown;
  /** Set for TypeScript modules: tsx's ESM API module and the tsconfig to load the module with. */
  tsx: { api: string; tsconfig: string | null } | null;
}

const TS_EXTENSION = /\.(c|m)?tsx?$/;

/** Checks `ref` and turns it into what a worker imports; throws naming `what` and the bad value. */
export function resolveEnvModule(ref: EnvModuleRef, what: string): ResolvedEnvModule {
  if (ref === null || typeof ref !== "object")
    throw new Error(`${what}: the env must be { module, exportName?, args? }, got ${String(ref)}`);
  const exportName = ref.exportName ?? "default";
  if (typeof exportName !== "string" || exportName.length === 0)
    throw new Error(`${what}: exportName must be a non-empty string, got ${String(exportName)}`);
  try {
    structuredClone(ref.args);
  } catch (error) {
    throw new Error(
      `${what}: args cannot be sent to a worker (${(error as Error).message}); pass plain data: numbers, strings, arrays, plain objects, typed arrays`,
    );
  }
  const url = moduleUrl(ref.module, what);
  if (!url.startsWith("file:")) return { url, exportName, args: ref.args, tsx: null };
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`${what}: module ${path} does not exist`);
  return { url, exportName, args: ref.args, tsx: TS_EXTENSION.test(path) ? findTsx(path, what) : null };
}

function moduleUrl(module: URL | string, what: string): string {
  if (module instanceof URL) {
    if (module.protocol !== "file:") throw new Error(`${what}: module URL ${module.href} must be a file: URL`);
    return module.href;
  }
  if (typeof module !== "string" || module.length === 0)
    throw new Error(`${what}: module must be a file: URL, an absolute path or a package name, got ${String(module)}`);
  if (module.startsWith("file:")) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  if (module.startsWith(".")) {
    throw new Error(
      `${what}: module "${module}" is relative, and a worker has no importing file to resolve it from; pass new URL("${module}", import.meta.url) or an absolute path`,
    );
  }
  return module;
}

/** tsx's ESM API and the tsconfig.json nearest to `modulePath`; throws if tsx cannot be found from there. */
function findTsx(modulePath: string, what: string): { api: string; tsconfig: string | null } {
  let api: string | undefined;
  try {
    const pkgPath = createRequire(modulePath).resolve("tsx/package.json");
    const exported = (JSON.parse(readFileSync(pkgPath, "utf8")) as { exports?: Record<string, unknown> }).exports?.[
      "./esm/api"
    ];
    const entry =
      typeof exported === "object" && exported !== null ? (exported as { import?: unknown }).import : undefined;
    const file =
      typeof entry === "string"
        ? entry
        : typeof entry === "object" && entry !== null
          ? (entry as { default?: unknown }).default
          : undefined;
    if (typeof file === "string") api = pathToFileURL(join(dirname(pkgPath), file)).href;
  } catch {
    // Reported below, with what to do about it.
  }
  if (api === undefined) {
    throw new Error(
      `${what}: module ${modulePath} is TypeScript; a worker loads it with tsx (tsx/esm/api), which cannot be found from there. Install tsx, or build the module to JavaScript`,
    );
  }
  return { api, tsconfig: nearestTsconfig(dirname(modulePath)) };
}

function nearestTsconfig(dir: string): string | null {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, "tsconfig.json");
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return null;
  }
}
