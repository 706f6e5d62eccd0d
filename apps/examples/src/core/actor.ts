import * as tf from "@tensorflow/tfjs-core";
import { HostArray, isTensor, TensorDict } from "@tdrl/tensordict";
import { type EGreedyModule, QValueModule, type ExplorationType, type TensorDictModuleBase } from "@tdrl/modules";

/**
 * Acts with a Q-network: `qnet -> QValueModule -> EGreedyModule` on one root record; epsilon-greedy for
 * `"random"` exploration (collecting), greedy otherwise (evaluating). Everything the env and the replay
 * buffer will see comes back as host arrays (`action`, and for a recurrent network the
 * `next.recurrent_state_*` entries it wrote), so no tensor outlives the call. Its `forward(td, exploration)`
 * makes it a policy `SyncDataCollector` takes as it is.
 *
 * @example
 * import { Categorical, HostArray, Rng, TensorDict } from "@tdrl/tensordict";
 * import { EGreedyModule } from "@tdrl/modules";
 * import { mlpQNetwork } from "./q-network";
 * const spec = new Categorical({ n: 2 });
 * const qnet = mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: [16], dueling: false, rng: new Rng(0) });
 * const actor = new QActor(qnet, new EGreedyModule({ spec, epsInit: 1, epsEnd: 0.1, annealingNumSteps: 100, rng: new Rng(1) }));
 * const root = new TensorDict({ observation: HostArray.zeros("float32", [3, 4]) }, [3]);
 * actor.forward(root, "random");
 * root.getHost("action").shape; // [3]
 */
export class QActor {
  readonly qnet: TensorDictModuleBase;
  readonly explore: EGreedyModule;
  private readonly greedy: QValueModule;

  constructor(qnet: TensorDictModuleBase, explore: EGreedyModule) {
    this.qnet = qnet;
    this.explore = explore;
    this.greedy = new QValueModule({ spec: explore.spec });
  }

  /** Writes a host `action` (and host copies of the network's `next.*` outputs) into `root`; returns `root`. */
  forward(root: TensorDict, exploration: ExplorationType): TensorDict {
    const inputs = new TensorDict({}, [...root.batchSize]);
    for (const key of this.qnet.inKeys) {
      const path = typeof key === "string" ? key : key.join(".");
      if (root.has(path)) inputs.set(path, root.get(path) as HostArray);
    }
    tf.tidy(() => {
      this.qnet.forward(inputs);
      this.greedy.forward(inputs);
      root.set("action", toHost(inputs.getTensor("action")));
      if (inputs.has("next")) {
        const next = inputs.get("next") as TensorDict;
        for (const key of next.keys({ nested: true, leavesOnly: true })) {
          const leaf = next.get(key);
          if (isTensor(leaf)) root.set(["next", ...key.split(".")], toHost(leaf));
        }
      }
    });
    if (exploration === "random") this.explore.forward(root, exploration);
    return root;
  }
}

function toHost(t: tf.Tensor): HostArray {
  const data = t.dataSync();
  if (t.dtype === "int32") return new HostArray("int32", [...t.shape], new Int32Array(data));
  if (t.dtype === "bool") return new HostArray("bool", [...t.shape], new Uint8Array(data));
  return new HostArray("float32", [...t.shape], new Float32Array(data));
}
