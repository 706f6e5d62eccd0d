// The page: settings form, buttons, the cart canvas and the reward curve; all training runs in worker.ts.
import type { CartFrame, FromWorker, PlaygroundSettings, Progress, ToWorker } from "./protocol";
import { DEFAULT_SETTINGS, SOLVED_AT } from "./settings";
import { drawCart, drawCurve, type CurvePoint } from "./draw";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (message: ToWorker) => worker.postMessage(message);

const form = $<HTMLFormElement>("settings");
const buttons = {
  start: $<HTMLButtonElement>("start"),
  pause: $<HTMLButtonElement>("pause"),
  reset: $<HTMLButtonElement>("reset"),
  download: $<HTMLButtonElement>("download"),
};
const cartCanvas = $<HTMLCanvasElement>("cart");
const curveCanvas = $<HTMLCanvasElement>("curve");

const numberFields = ["lr", "batchSize", "gamma", "hidden", "epsFrames", "updatesPerFrame", "seed"] as const;
function fillForm(settings: PlaygroundSettings): void {
  for (const name of numberFields) (form.elements.namedItem(name) as HTMLInputElement).value = String(settings[name]);
  (form.elements.namedItem("backend") as HTMLSelectElement).value = settings.backend;
}
function readForm(): PlaygroundSettings {
  const settings = { ...DEFAULT_SETTINGS };
  for (const name of numberFields) settings[name] = Number((form.elements.namedItem(name) as HTMLInputElement).value);
  settings.backend = (form.elements.namedItem("backend") as HTMLSelectElement).value as PlaygroundSettings["backend"];
  return settings;
}
// ?backend=wasm (and any other setting) preselects a value: how tests and benchmarks pick a backend.
const fromQuery = new URLSearchParams(location.search);
const initial = { ...DEFAULT_SETTINGS };
for (const name of numberFields) if (fromQuery.has(name)) initial[name] = Number(fromQuery.get(name));
if (fromQuery.has("backend")) initial.backend = fromQuery.get("backend") as PlaygroundSettings["backend"];
fillForm(initial);

let returns: number[] = [];
let curve: CurvePoint[] = [];
let bestEval = -Infinity;
let started = false;
let cartQueue: CartFrame[] = [];
let cart: CartFrame = { x: 0, theta: 0 };

function setText(id: string, text: string): void {
  $(id).textContent = text;
}

function setRunning(running: boolean): void {
  setText("status", running ? "training" : started ? "paused" : "idle");
  buttons.start.disabled = running;
  buttons.pause.disabled = !running;
  for (const element of form.elements) (element as HTMLInputElement).disabled = started;
}

function onProgress(p: Progress): void {
  returns.push(...p.returns);
  for (const r of p.returns) curve.push({ frames: p.frames, train: r });
  if (p.evalMean !== undefined) {
    curve.push({ frames: p.frames, eval: p.evalMean });
    bestEval = Math.max(bestEval, p.evalMean);
    setText("eval-mean", p.evalMean.toFixed(1));
    setText("best-eval", bestEval.toFixed(1));
  }
  const last = returns.slice(-20);
  setText("frames", String(p.frames));
  setText("episodes", String(p.episodes));
  if (last.length > 0) setText("mean-return", (last.reduce((a, b) => a + b, 0) / last.length).toFixed(1));
  setText("eps", p.eps.toFixed(3));
  setText("fps", p.framesPerSecond.toFixed(0));
  if (p.solvedAtFrames !== undefined) {
    const seconds = p.solvedAtSeconds !== undefined ? `, ${p.solvedAtSeconds.toFixed(1)} s of training` : "";
    if (p.solvedAtSeconds !== undefined || $("solved").textContent === "not yet")
      setText("solved", `at ${p.solvedAtFrames} frames${seconds}`);
  }
  drawCurve(curveCanvas, curve, SOLVED_AT);
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.kind) {
    case "ready":
      setText("backend", message.backend.backend);
      $("backend").title = message.summary;
      console.info(message.summary);
      break;
    case "progress":
      onProgress(message);
      break;
    case "cart":
      cartQueue.push(...message.frames);
      // Stay near the present: drop what the page could not show in time.
      if (cartQueue.length > 200) cartQueue = cartQueue.slice(-50);
      break;
    case "state":
      setRunning(message.running);
      break;
    case "weights": {
      const blob = new Blob([message.bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `cartpole-dqn-${message.frames}-frames.safetensors`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      break;
    }
    case "error":
      $("error").hidden = false;
      setText("error", message.message);
      setText("status", "error");
      break;
  }
};
worker.onerror = (event) => {
  $("error").hidden = false;
  setText("error", `worker failed: ${event.message}`);
};

buttons.start.addEventListener("click", () => {
  started = true;
  buttons.download.disabled = false;
  send({ kind: "start", settings: readForm() });
});
buttons.pause.addEventListener("click", () => send({ kind: "pause" }));
buttons.reset.addEventListener("click", () => {
  send({ kind: "reset" });
  started = false;
  returns = [];
  curve = [];
  bestEval = -Infinity;
  cartQueue = [];
  cart = { x: 0, theta: 0 };
  buttons.download.disabled = true;
  for (const id of ["frames", "episodes"]) setText(id, "0");
  for (const id of ["mean-return", "eval-mean", "best-eval", "eps", "fps"]) setText(id, "-");
  setText("solved", "not yet");
  drawCurve(curveCanvas, curve, SOLVED_AT);
});
buttons.download.addEventListener("click", () => send({ kind: "weights" }));

// CartPole steps at 50 Hz (tau 0.02 s): one queued state per 20 ms of wall time.
let lastTick = performance.now();
function animate(now: number): void {
  const steps = Math.floor((now - lastTick) / 20);
  if (steps > 0) {
    lastTick += steps * 20;
    for (let i = 0; i < steps && cartQueue.length > 0; i++) cart = cartQueue.shift()!;
  }
  drawCart(cartCanvas, cart);
  requestAnimationFrame(animate);
}
drawCurve(curveCanvas, curve, SOLVED_AT);
requestAnimationFrame(animate);
