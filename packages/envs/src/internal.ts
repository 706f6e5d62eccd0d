// @tdrl/envs/internal: what other @tdrl packages need from envs but users do not (Node only, not part of the
// public API, may change in any release): resolving the module references worker threads and actor processes
// load their envs and policies from.

export { resolveEnvModule, type ResolvedEnvModule } from "./env-module-ref";
