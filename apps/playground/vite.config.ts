import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

// The @tdrl packages resolve through their package.json exports maps to the built browser entries
// (run `npm run build` first; `npm run playground` at the root does both).
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 4096,
    // bench.html runs the benchmark cases in the browser (bench/run.ts drives it).
    rollupOptions: { input: { main: page("./index.html"), bench: page("./bench.html") } },
  },
  worker: { format: "es" },
});
