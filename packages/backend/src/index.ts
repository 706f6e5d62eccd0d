// @tdrl/backend: TensorFlow.js compute-backend set-up for tdrl (choosing and initializing a backend, tdrl's
// wasm kernels, the core kernels' gradient functions). This is the Node entry (the "node" export condition and
// @tdrl/backend/node): the browser entry's names (./browser.ts), with Node's initBackend.

export * from "./browser";

// Node's initBackend (tfjs-node, threaded wasm) shadows the browser one that ./browser exports.
export { initBackend, type InitBackendOptions } from "./init-backend";
