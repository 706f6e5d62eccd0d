import { describe, expect, it } from "vitest";
import { importBackendModule, isModuleNotFound } from "./backend-module-loader";

function codeError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe("isModuleNotFound", () => {
  it("recognizes Node's messages for the package itself (ESM and CJS)", () => {
    const esm = codeError(
      "Cannot find package '@tensorflow/tfjs-node' imported from /app/x.js",
      "ERR_MODULE_NOT_FOUND",
    );
    const cjs = codeError(
      "Cannot find module '@tensorflow/tfjs-node'\nRequire stack:\n- /app/x.cjs",
      "MODULE_NOT_FOUND",
    );
    expect(isModuleNotFound(esm, "@tensorflow/tfjs-node")).toBe(true);
    expect(isModuleNotFound(cjs, "@tensorflow/tfjs-node")).toBe(true);
  });

  it("recognizes Vite's and Vitest's messages", () => {
    const vite = codeError("Failed to load url @tensorflow/tfjs-node-gpu (resolved id: @tensorflow/tfjs-node-gpu)");
    const vitest = codeError('Could not resolve "@tensorflow/tfjs-node-gpu" imported by "@tdrl/backend".');
    expect(isModuleNotFound(vite, "@tensorflow/tfjs-node-gpu")).toBe(true);
    expect(isModuleNotFound(vitest, "@tensorflow/tfjs-node-gpu")).toBe(true);
  });

  it("does not take a missing dependency or file of an installed package, or another package, for it", () => {
    const dependency = codeError(
      "Cannot find module '@tensorflow/tfjs'\nRequire stack:\n- /app/node_modules/@tensorflow/tfjs-node/dist/index.js",
      "MODULE_NOT_FOUND",
    );
    const addon = codeError(
      "Cannot find module '/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'",
      "MODULE_NOT_FOUND",
    );
    const gpuNotCpu = codeError(
      "Cannot find package '@tensorflow/tfjs-node-gpu' imported from /app/x.js",
      "ERR_MODULE_NOT_FOUND",
    );
    expect(isModuleNotFound(dependency, "@tensorflow/tfjs-node")).toBe(false);
    expect(isModuleNotFound(addon, "@tensorflow/tfjs-node")).toBe(false);
    expect(isModuleNotFound(gpuNotCpu, "@tensorflow/tfjs-node")).toBe(false);
  });

  it("does not take other failures or non-errors for a missing package", () => {
    expect(
      isModuleNotFound(new Error("libtensorflow.so.2: cannot open shared object file"), "@tensorflow/tfjs-node"),
    ).toBe(false);
    expect(isModuleNotFound("Cannot find module '@tensorflow/tfjs-node'", "@tensorflow/tfjs-node")).toBe(false);
  });
});

describe("importBackendModule", () => {
  it("loads the wasm and cpu backends", async () => {
    const wasm = (await importBackendModule("@tensorflow/tfjs-backend-wasm")) as Record<string, unknown>;
    const cpu = (await importBackendModule("@tensorflow/tfjs-backend-cpu")) as Record<string, unknown>;
    expect(typeof wasm.getThreadsCount).toBe("function");
    expect(typeof cpu.MathBackendCPU).toBe("function");
  });

  it("fails for an absent optional peer in a way isModuleNotFound recognizes", async (ctx) => {
    let error: unknown = null;
    try {
      await importBackendModule("@tensorflow/tfjs-node-gpu");
    } catch (e) {
      error = e;
    }
    if (error === null) ctx.skip(); // tfjs-node-gpu is installed on this machine
    expect(isModuleNotFound(error, "@tensorflow/tfjs-node-gpu")).toBe(true);
  });
});
