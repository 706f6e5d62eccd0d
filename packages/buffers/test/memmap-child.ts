// Run by the lock and kill tests in a child process: `node --import tsx test/memmap-child.ts <mode> <dir> [ckpt]`.
//   open <dir>            try to open a LazyMemmapStorage on dir; print {"ok":true} or {"error": message}
//   hold <dir>            open it, write 5 items, print "ready", and wait (until killed)
//   dump-loop <dir> <ck>  open it, then forever: extend 3 items (up to 90), dumps to ck, print the item count
import { HostArray, Rng, TensorDict } from "@tdrl/tensordict";
import { LazyMemmapStorage } from "../src/lazy-memmap-storage";
import { RandomSampler } from "../src/random-sampler";
import { ReplayBuffer } from "../src/replay-buffer";

const [mode, dir, ckpt] = process.argv.slice(2) as [string, string, string | undefined];

/** Items whose id is start+i and whose 4 KB frame is filled with (start+i) % 256: a torn copy shows. */
export function items(n: number, start: number): TensorDict {
  const frame = new HostArray("uint8", [n, 64, 64]);
  for (let i = 0; i < n; i++) frame.data.fill((start + i) % 256, i * 4096, (i + 1) * 4096);
  return new TensorDict(
    {
      frame,
      id: HostArray.from(
        "int32",
        [n],
        Array.from({ length: n }, (_, i) => start + i),
      ),
    },
    [n],
  );
}

if (mode === "open") {
  try {
    new LazyMemmapStorage(100, { scratchDir: dir, existsOk: true }).close();
    console.log(JSON.stringify({ ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ error: (e as Error).message }));
  }
} else if (mode === "hold") {
  const storage = new LazyMemmapStorage(100, { scratchDir: dir, existsOk: true });
  new ReplayBuffer({ storage, sampler: new RandomSampler({ rng: new Rng(0) }) }).extend(items(5, 0));
  console.log("ready");
  setInterval(() => undefined, 1000);
} else if (mode === "dump-loop") {
  const rb = new ReplayBuffer({
    storage: new LazyMemmapStorage(100, { scratchDir: dir }),
    sampler: new RandomSampler({ rng: new Rng(0) }),
  });
  for (let n = 0; ; n = Math.min(n + 3, 90)) {
    if (n < 90) rb.extend(items(3, n));
    rb.dumps(ckpt!);
    console.log(String(rb.length));
  }
}
