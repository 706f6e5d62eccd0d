import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileLstmKernel, LSTM_WASM_MODULE, lstmKernelModuleText } from "../scripts/lstm-wasm";

describe("the embedded LSTM kernel (src/lstm-sequence-wasm.ts)", () => {
  it("is a fresh compile of assembly/lstm-sequence.ts (else run `npm run build:wasm -w @tdrl/modules`)", async () => {
    const bytes = await compileLstmKernel();
    expect(readFileSync(LSTM_WASM_MODULE, "utf8")).toBe(lstmKernelModuleText(bytes));
    // Browsers refuse to compile more than 4 KB synchronously on their main thread.
    expect(bytes.length).toBeLessThanOrEqual(4096);
  }, 300_000);
});
