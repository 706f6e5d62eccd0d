import { beforeAll, describe, expect, it } from "vitest";
import { Categorical } from "@tdrl/tensordict";
import { initBackend } from "@tdrl/backend";
import { EGreedyModule } from "./e-greedy-module";
import { GRUModule } from "./gru-module";
import { LSTMModule } from "./lstm-module";
import { MLP } from "./mlp";
import { QValueModule } from "./q-value-module";
import { TensorDictModule } from "./tensordict-module";

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("modules refuse unknown options", () => {
  it("names the unknown key and the likely meant one", () => {
    expect(() => new MLP({ inFeatures: 4, outFeatures: 2, num_cells: [8] } as never)).toThrow(
      'MLP: unknown option "num_cells"',
    );
    expect(() => new MLP({ inFeatures: 4, outFeatures: 2, num_cells: [8] } as never)).toThrow("did you mean numCells?");
    expect(
      () => new LSTMModule({ inputSize: 3, hiddenSize: 4, inKey: "x", outKey: "y", hidden_size: 4 } as never),
    ).toThrow('LSTMModule: unknown option "hidden_size"');
    const common = { inputSize: 3, hiddenSize: 4, numLayers: 1, inKey: "x", outKey: "y", mode: "step" } as const;
    // The shared recurrent keys and each module's own state keys pass; another module's state key does not.
    expect(() => new GRUModule({ ...common, stateKey: "s", isInitKey: "is_init" }).dispose()).not.toThrow();
    expect(() => new LSTMModule({ ...common, hKey: "h", cKey: "c", isInitKey: "is_init" }).dispose()).not.toThrow();
    expect(() => new GRUModule({ ...common, hKey: "h" } as never)).toThrow('GRUModule: unknown option "hKey"');
    expect(() => new LSTMModule({ ...common, stateKey: "s" } as never)).toThrow(
      'LSTMModule: unknown option "stateKey"',
    );
    expect(() => new TensorDictModule((x) => x, { inKeys: ["a"], outKeys: ["b"], in_keys: ["a"] } as never)).toThrow(
      'TensorDictModule: unknown option "in_keys"',
    );
    expect(() => new QValueModule({ spec: new Categorical({ n: 2 }), action_key: "a" } as never)).toThrow(
      'QValueModule: unknown option "action_key"',
    );
    expect(() => new EGreedyModule({ spec: new Categorical({ n: 2 }), eps: 0.1 } as never)).toThrow(
      'EGreedyModule: unknown option "eps"',
    );
  });
});
