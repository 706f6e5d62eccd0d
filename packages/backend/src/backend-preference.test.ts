import { describe, expect, it } from "vitest";
import { resolveBackendPreference, resolveWasmThreads } from "./backend-preference";

describe("resolveBackendPreference", () => {
  it("lets TDRL_BACKEND win over the option", () => {
    expect(resolveBackendPreference("wasm", { TDRL_BACKEND: "cpu" })).toEqual({ preference: "cpu", source: "env" });
  });

  it("uses the option when the variable is unset or blank, else auto", () => {
    expect(resolveBackendPreference("tensorflow", {})).toEqual({ preference: "tensorflow", source: "option" });
    expect(resolveBackendPreference("wasm", { TDRL_BACKEND: " " })).toEqual({ preference: "wasm", source: "option" });
    expect(resolveBackendPreference(undefined, {})).toEqual({ preference: "auto", source: "default" });
  });

  it("accepts surrounding whitespace in the variable", () => {
    expect(resolveBackendPreference(undefined, { TDRL_BACKEND: " tensorflow-gpu\n" })).toEqual({
      preference: "tensorflow-gpu",
      source: "env",
    });
  });

  it("rejects an unknown value, naming it and the allowed ones", () => {
    expect(() => resolveBackendPreference(undefined, { TDRL_BACKEND: "gpu" })).toThrow(
      'Invalid backend in TDRL_BACKEND="gpu": expected one of "auto", "tensorflow-gpu", "tensorflow", "webgpu", "webgl", "wasm", "cpu"',
    );
    expect(() => resolveBackendPreference("opengl", {})).toThrow(
      /initBackend\(\{ prefer: "opengl" \}\).*"wasm", "cpu"/,
    );
  });
});

describe("resolveWasmThreads", () => {
  it("lets TDRL_WASM_THREADS win over the option, and is null when neither is given", () => {
    expect(resolveWasmThreads(4, { TDRL_WASM_THREADS: "2" })).toBe(2);
    expect(resolveWasmThreads(3, {})).toBe(3);
    expect(resolveWasmThreads(undefined, { TDRL_WASM_THREADS: "" })).toBeNull();
  });

  it("rejects counts that are not positive integers, naming the value", () => {
    expect(() => resolveWasmThreads(undefined, { TDRL_WASM_THREADS: "two" })).toThrow(
      'Invalid wasm thread count in TDRL_WASM_THREADS="two": expected a positive integer',
    );
    expect(() => resolveWasmThreads(1.5, {})).toThrow(/experimentalWasmThreads: 1.5/);
  });
});
