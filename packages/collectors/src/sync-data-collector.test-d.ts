import { expectTypeOf, test } from "vitest";
import type { TensorDict } from "@tdrl/tensordict";
import { CountingEnv } from "@tdrl/envs";
import type { ReplayBuffer } from "@tdrl/buffers";
import { SyncDataCollector, type SyncDataCollectorOptions } from "./sync-data-collector";

declare const rb: ReplayBuffer;
declare const wide: SyncDataCollectorOptions;
const policy = (td: TensorDict) => td;

test("the iterator's item type follows the replayBuffer option of the options literal", () => {
  const batches = new SyncDataCollector(new CountingEnv(), policy, { framesPerBatch: 4 });
  type Item<C> = C extends AsyncIterable<infer T> ? T : never;
  expectTypeOf<Item<typeof batches>>().toEqualTypeOf<TensorDict>();
  const progress = new SyncDataCollector(new CountingEnv(), policy, { framesPerBatch: 4, replayBuffer: rb });
  expectTypeOf<Item<typeof progress>>().toEqualTypeOf<number>();
  const unknownBuffer = new SyncDataCollector(new CountingEnv(), policy, wide);
  expectTypeOf<Item<typeof unknownBuffer>>().toEqualTypeOf<TensorDict>();
});
