import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { afterEach, describe, expect, it, vi } from "vitest";
import { importBackendModule, type BackendModuleLoader, type BackendModuleName } from "./backend-module-loader";
import { BackendSetupState, initBackendWith, type BackendSetupDeps } from "./backend-setup";
import { WASM_KERNEL_NAMES } from "./wasm/register-wasm-kernels";

const notFound = (name: string) =>
  Object.assign(new Error(`Cannot find package '${name}' imported from /app/index.js`), {
    code: "ERR_MODULE_NOT_FOUND",
  });

type FakeNode = "absent" | "present" | "broken" | "registers nothing";

/** A loader where the two tfjs-node packages behave as told and wasm/cpu load for real. */
function fakeLoader(gpu: FakeNode, cpuBuild: FakeNode): BackendModuleLoader & { calls: BackendModuleName[] } {
  const calls: BackendModuleName[] = [];
  const load = async (name: BackendModuleName) => {
    calls.push(name);
    const mode = name === "@tensorflow/tfjs-node-gpu" ? gpu : name === "@tensorflow/tfjs-node" ? cpuBuild : null;
    if (mode === null) return importBackendModule(name);
    if (mode === "absent") throw notFound(name);
    if (mode === "broken") {
      throw new Error(
        "The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/x",
      );
    }
    // Stands in for libtensorflow: a backend registered under tfjs-node's name.
    if (mode === "present" && tf.findBackendFactory("tensorflow") == null) {
      tf.registerBackend("tensorflow", () => new MathBackendCPU());
    }
    return {};
  };
  return Object.assign(load, { calls });
}

function deps(loadModule: BackendModuleLoader, env: Record<string, string> = {}): BackendSetupDeps {
  return { loadModule, env, state: new BackendSetupState() };
}

afterEach(async () => {
  await tf.setBackend("cpu");
  if (tf.findBackendFactory("tensorflow") != null) tf.removeBackend("tensorflow");
});

describe("initBackendWith: auto", () => {
  it("uses tfjs-node when it is present and says why tfjs-node-gpu was skipped", async () => {
    const report = await initBackendWith({}, deps(fakeLoader("absent", "present")));
    expect(report.backend).toBe("tensorflow");
    expect(report.tfjsBackend).toBe("tensorflow");
    expect(tf.getBackend()).toBe("tensorflow");
    expect(report.skipped).toEqual([
      { backend: "tensorflow-gpu", reason: "@tensorflow/tfjs-node-gpu is not installed" },
    ]);
    expect(report.wasm).toBeNull();
    expect(report.customKernels).toEqual([]);
    expect(report).toMatchObject({ requested: "auto", requestedBy: "default", gradientsRegistered: true });
  });

  it("prefers tfjs-node-gpu when it loads", async () => {
    const loader = fakeLoader("present", "present");
    const report = await initBackendWith({}, deps(loader));
    expect(report.backend).toBe("tensorflow-gpu");
    expect(report.skipped).toEqual([]);
    expect(loader.calls).toEqual(["@tensorflow/tfjs-node-gpu"]);
  });

  it("falls back to wasm with its facts and kernels when neither tfjs-node package is installed", async () => {
    const report = await initBackendWith({}, deps(fakeLoader("absent", "absent")));
    expect(report.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(report.skipped).toEqual([
      { backend: "tensorflow-gpu", reason: "@tensorflow/tfjs-node-gpu is not installed" },
      { backend: "tensorflow", reason: "@tensorflow/tfjs-node is not installed" },
    ]);
    expect(report.wasm).toEqual({ simd: true, threads: 1, threadsRequested: null, threadsNote: null });
    expect(report.customKernels).toEqual(WASM_KERNEL_NAMES.map((k) => `wasm:${k}`));
    expect(tf.getKernel(tf.Conv2DBackpropFilter, "wasm")).toBeDefined();
    expect(report.gradientsRegistered).toBe(true);
  });

  it("reports a broken install apart from a missing one", async () => {
    const report = await initBackendWith({}, deps(fakeLoader("absent", "broken")));
    expect(report.backend).toBe("wasm");
    expect(report.skipped[1]?.reason).toBe(
      "@tensorflow/tfjs-node is installed but failed to load (The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/x)",
    );
  });

  it("skips a package that loads but registers no backend", async () => {
    const report = await initBackendWith({}, deps(fakeLoader("registers nothing", "absent")));
    expect(report.skipped[0]?.reason).toBe(
      `@tensorflow/tfjs-node-gpu loaded but did not register tfjs's "tensorflow" backend`,
    );
    expect(report.backend).toBe("wasm");
  });
});

describe("initBackendWith: explicit preferences", () => {
  it("explains how to install tfjs-node when it is asked for and absent", async () => {
    const run = initBackendWith({ prefer: "tensorflow" }, deps(fakeLoader("absent", "absent")));
    await expect(run).rejects.toThrow(
      `Backend "tensorflow" was requested by initBackend({ prefer: "tensorflow" }) but @tensorflow/tfjs-node is not installed.`,
    );
    await expect(run).rejects.toThrow(`npm install @tensorflow/tfjs-node@${tf.version_core}`);
    await expect(run).rejects.toThrow(
      /downloads the libtensorflow shared library from Google's CDN, so it needs internet access/,
    );
    await expect(run).rejects.toThrow(/initBackend\(\{ prefer: "wasm" \}\)/);
  });

  it("says how to repair a broken tfjs-node-gpu asked for through TDRL_BACKEND", async () => {
    const run = initBackendWith(
      { prefer: "wasm" },
      deps(fakeLoader("broken", "absent"), { TDRL_BACKEND: "tensorflow-gpu" }),
    );
    await expect(run).rejects.toThrow(
      /requested by TDRL_BACKEND=tensorflow-gpu but @tensorflow\/tfjs-node-gpu is installed but failed to load/,
    );
    await expect(run).rejects.toThrow(/npm rebuild @tensorflow\/tfjs-node-gpu/);
  });

  it("lets TDRL_BACKEND override the option", async () => {
    const report = await initBackendWith(
      { prefer: "wasm" },
      deps(fakeLoader("absent", "absent"), { TDRL_BACKEND: "cpu" }),
    );
    expect(report).toMatchObject({ backend: "cpu", requested: "cpu", requestedBy: "env", skipped: [] });
    expect(tf.getBackend()).toBe("cpu");
  });

  it("rejects an invalid TDRL_BACKEND, naming the value", async () => {
    await expect(initBackendWith({}, deps(fakeLoader("absent", "absent"), { TDRL_BACKEND: "cuda" }))).rejects.toThrow(
      /TDRL_BACKEND="cuda": expected one of "auto"/,
    );
  });

  it("refuses the GPU build once the CPU build provides the 'tensorflow' backend in this process", async () => {
    const d = deps(fakeLoader("present", "present"));
    await initBackendWith({ prefer: "tensorflow" }, d);
    await expect(initBackendWith({ prefer: "tensorflow-gpu" }, d)).rejects.toThrow(
      /already provided by @tensorflow\/tfjs-node in this process.*TDRL_BACKEND=tensorflow-gpu/,
    );
  });
});

describe("initBackendWith: repeated calls", () => {
  it("returns the same report without loading anything again", async () => {
    const loader = fakeLoader("absent", "absent");
    const d = deps(loader);
    const first = await initBackendWith({ prefer: "wasm" }, d);
    const callsAfterFirst = loader.calls.length;
    const second = await initBackendWith({ prefer: "wasm" }, d);
    expect(second).toBe(first);
    expect(loader.calls.length).toBe(callsAfterFirst);
  });

  it("shares one set-up between concurrent calls", async () => {
    const loader = vi.fn(fakeLoader("absent", "absent"));
    const d = deps(loader);
    const [a, b] = await Promise.all([initBackendWith({ prefer: "wasm" }, d), initBackendWith({ prefer: "wasm" }, d)]);
    expect(a).toBe(b);
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it("switches backend when the preference changes, and back", async () => {
    const d = deps(fakeLoader("absent", "absent"));
    const wasm = await initBackendWith({ prefer: "wasm" }, d);
    expect(tf.getBackend()).toBe("wasm");
    const cpu = await initBackendWith({ prefer: "cpu" }, d);
    expect(cpu.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    const wasmAgain = await initBackendWith({ prefer: "wasm" }, d);
    expect(tf.getBackend()).toBe("wasm");
    expect(wasmAgain).toEqual(wasm);
  });

  it("sets up again when something else changed the backend meanwhile", async () => {
    const d = deps(fakeLoader("absent", "absent"));
    const first = await initBackendWith({ prefer: "wasm" }, d);
    await tf.setBackend("cpu");
    const second = await initBackendWith({ prefer: "wasm" }, d);
    expect(second).not.toBe(first);
    expect(tf.getBackend()).toBe("wasm");
  });
});

describe("initBackendWith: the browser platform", () => {
  const browserDeps = (loadModule: BackendModuleLoader): BackendSetupDeps => ({
    loadModule,
    env: {},
    state: new BackendSetupState(),
    platform: "browser",
  });

  it("tries webgpu, then webgl, then takes wasm, saying why each GPU backend was skipped", async () => {
    // Node has no navigator.gpu and no canvas: what a GPU-less browser looks like to the checks.
    const loader = fakeLoader("absent", "absent");
    const report = await initBackendWith({}, browserDeps(loader));
    expect(report.backend).toBe("wasm");
    expect(report.skipped.map((s) => s.backend)).toEqual(["webgpu", "webgl"]);
    expect(report.skipped[0]?.reason).toMatch(/no WebGPU|no GPU adapter/);
    expect(report.skipped[1]?.reason).toBe("this browser gives no WebGL context (no GPU, or WebGL disabled)");
    // Neither tfjs-node nor the GPU backends' code was fetched.
    expect(loader.calls).toEqual(["@tensorflow/tfjs-backend-wasm"]);
  });

  it("passes over a software-rendered WebGL on auto, naming the renderer", async () => {
    // What headless Chromium without a GPU offers: a WebGL context rendered by SwiftShader.
    const g = globalThis as { OffscreenCanvas?: unknown };
    g.OffscreenCanvas = class {
      getContext() {
        return { RENDERER: 0x1f01, getExtension: () => null, getParameter: () => "Google SwiftShader" };
      }
    };
    try {
      const loader = fakeLoader("absent", "absent");
      const report = await initBackendWith({}, browserDeps(loader));
      expect(report.backend).toBe("wasm");
      expect(report.skipped[1]).toEqual({
        backend: "webgl",
        reason: "WebGL is software-rendered here (Google SwiftShader), slower than wasm",
      });
      expect(loader.calls).toEqual(["@tensorflow/tfjs-backend-wasm"]);
    } finally {
      delete g.OffscreenCanvas;
    }
  });

  it("refuses a Node-only backend in a browser and a browser-only one in Node, naming both", async () => {
    await expect(
      initBackendWith({ prefer: "tensorflow" }, browserDeps(fakeLoader("present", "present"))),
    ).rejects.toThrow(
      `Backend "tensorflow" was requested by initBackend({ prefer: "tensorflow" }) but it runs only in Node, not in a browser.`,
    );
    await expect(initBackendWith({ prefer: "webgl" }, deps(fakeLoader("absent", "absent")))).rejects.toThrow(
      /"webgl" was requested .* but it runs only in a browser, not in Node/,
    );
  });

  it("hands wasmPaths to tfjs-backend-wasm before the backend initializes", async () => {
    const given: unknown[] = [];
    const loader: BackendModuleLoader = async (name) => {
      const real = (await importBackendModule(name)) as Record<string, unknown>;
      if (name !== "@tensorflow/tfjs-backend-wasm") return real;
      return { ...real, setWasmPaths: (paths: unknown) => given.push(paths) };
    };
    const report = await initBackendWith({ prefer: "wasm", wasmPaths: "/tfjs-wasm/" }, browserDeps(loader));
    expect(report.backend).toBe("wasm");
    expect(given).toEqual(["/tfjs-wasm/"]);
  });
});
