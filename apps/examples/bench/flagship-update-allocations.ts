/**
 * Where a flagship update allocates its typed arrays: trains BENCH_ALLOC_FRAMES frames (default 2,400)
 * with one learner thread, then counts, over BENCH_ALLOC_UPDATES updates (default 5), every typed array
 * of 16 KB or more that gets new memory (views of existing buffers are not counted), by the stack that
 * made it. Prints KB per update, largest first. The typed arrays' memory lives outside V8's heap and is
 * what triggered the flagship's GCs ("external memory pressure" in `node --trace-gc`).
 *
 *   node --import tsx bench/flagship-update-allocations.ts      (in apps/examples)
 */
const sites = new Map<string, { n: number; bytes: number }>();
let counting = false;
// The typed array constructors are wrapped before any module loads (hence the dynamic imports below).
const names = ["Float32Array", "Float64Array", "Int32Array", "Uint32Array", "Uint8Array", "Int8Array", "Uint16Array"];
for (const name of names) {
  const g = globalThis as unknown as Record<string, new (...a: unknown[]) => ArrayBufferView>;
  const Base = g[name]!;
  const Counted = class extends Base {
    static override [Symbol.hasInstance](x: unknown): boolean {
      return x instanceof Base;
    }
    constructor(...args: unknown[]) {
      super(...args);
      const view = args[0] instanceof ArrayBuffer || args[0] instanceof SharedArrayBuffer;
      if (counting && !view && this.byteLength >= 16384) {
        const stack = (new Error().stack ?? "")
          .split("\n")
          .slice(2, 6)
          .map((s) => s.trim());
        const key = `${name} ${stack.join(" < ")}`;
        const e = sites.get(key) ?? { n: 0, bytes: 0 };
        e.n += 1;
        e.bytes += this.byteLength;
        sites.set(key, e);
      }
    }
  };
  Object.defineProperty(Counted, "name", { value: name });
  g[name] = Counted;
}
const { initBackend } = await import("@tdrl/backend");
const { FLAGSHIP } = await import("../src/flagship-config");
const { trainFlagship } = await import("../src/flagship");
await initBackend();
const frames = Number(process.env.BENCH_ALLOC_FRAMES ?? 2400);
const updates = Number(process.env.BENCH_ALLOC_UPDATES ?? 5);
const { built } = await trainFlagship({
  ...FLAGSHIP,
  totalFrames: frames,
  evalEvery: frames,
  evalEpisodes: 1,
  learnerThreads: 1,
});
const update = () => built.learner.update({ processBatch: (batch) => built.processOptimBatch(batch) });
update(); // warm-up: first-use buffers are not per-update garbage
counting = true;
for (let i = 0; i < updates; i++) update();
counting = false;
built.dispose();
const rows = [...sites.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
const kb = (bytes: number) => (bytes / updates / 1024).toFixed(0);
console.log(`typed arrays >= 16 KB: ${kb(rows.reduce((s, [, e]) => s + e.bytes, 0))} KB an update`);
for (const [site, e] of rows.slice(0, 20))
  console.log(`${kb(e.bytes).padStart(6)} KB  x${(e.n / updates).toFixed(1)}  ${site}`);

// A module (for top-level await), though it imports only dynamically.
export {};
