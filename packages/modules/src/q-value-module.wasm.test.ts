import { Categorical, HostArray, OneHot, TensorDict } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { beforeAll, describe, expect, it } from "vitest";
import { QValueModule } from "./q-value-module";

// The backend the examples train on: tfjs-backend-wasm's OneHot kernel mishandles float dtypes, so the
// chosen action value and one-hot actions are checked there, not only on cpu.
beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});

describe("QValueModule on wasm", () => {
  it("writes the chosen action value and actions correctly", () => {
    const td = new TensorDict({ action_value: HostArray.from("float32", [2, 2], [1, 3, 2, 0]) }, [2]).toTensors();
    const q = new QValueModule({ spec: new Categorical({ n: 2, shape: [2] }) });
    q.forward(td);
    expect(Array.from(td.getTensor("chosen_action_value").dataSync())).toEqual([3, 2]);
    expect(Array.from(td.getTensor("action").dataSync())).toEqual([1, 0]);
    td.dispose();

    const td2 = new TensorDict({ action_value: HostArray.from("float32", [2, 2], [1, 3, 2, 0]) }, [2]).toTensors();
    new QValueModule({ spec: new OneHot({ n: 2, shape: [2, 2] }) }).forward(td2);
    expect(Array.from(td2.getTensor("action").dataSync())).toEqual([0, 1, 1, 0]);
    td2.dispose();
  });
});
