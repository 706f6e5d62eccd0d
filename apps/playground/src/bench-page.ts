// bench.html: runs the benchmark cases in a Web Worker (where the playground trains) on ?backend=.
import type { BackendPreference } from "@tdrl/backend";

const prefer = (new URLSearchParams(location.search).get("backend") ?? "auto") as BackendPreference;
const worker = new Worker(new URL("./bench-worker.ts", import.meta.url), { type: "module" });
const out = document.getElementById("result")!;
worker.onmessage = (event: MessageEvent<{ ok: boolean; result?: unknown; error?: string }>) => {
  out.textContent = JSON.stringify(event.data);
  out.dataset.done = "1";
};
worker.postMessage(prefer);
