// @tdrl/tensordict: the record type that flows between every tdrl package, its specs, the seeded RNG,
// and the compute-backend set-up. This is the Node entry (the "node" export condition and
// @tdrl/tensordict/node): the browser entry's names (./browser.ts), with Node's initBackend.

export * from "./browser";

// Node's initBackend (tfjs-node, threaded wasm) shadows the browser one that ./browser exports.
export { initBackend, type InitBackendOptions } from "./backend/init-backend";
