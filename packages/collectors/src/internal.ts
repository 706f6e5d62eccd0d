// @tdrl/collectors/internal: what other @tdrl packages need from collectors but users do not (Node only, not
// part of the public API, may change in any release): building an env / a policy from a resolved module
// reference as a collector worker does (@tdrl/distributed's actors).

export { buildEnv as buildEnvFromModule, buildPolicy as buildPolicyFromModule } from "./collector-worker";
