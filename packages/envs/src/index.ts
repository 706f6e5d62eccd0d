// @tdrl/envs: the env contract (EnvBase), CartPole with state and pixels, batched / serial / parallel envs,
// and an adapter for gymnasium-style JS envs. This is the Node entry (the "node" export condition and
// @tdrl/envs/node): the browser entry's names (./browser.ts), plus ParallelEnv and its worker threads.

export * from "./browser";

export { ParallelEnv, type ParallelEnvOptions } from "./parallel-env";
export type { EnvFactory, EnvModuleRef } from "./env-module-ref";
export { workerFailureError, type WorkerFailure } from "./parallel-env-protocol";
