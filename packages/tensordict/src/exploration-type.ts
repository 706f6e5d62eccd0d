/**
 * How a policy acts (TorchRL's `ExplorationType`, which lives in tensordict's `InteractionType`): only
 * `"random"` explores; the others act greedily. Always passed explicitly, never read from a global. Here so
 * that modules (which act on it) and collectors (which pass it) share it without depending on each other.
 */
export type ExplorationType = "random" | "deterministic" | "mode" | "mean";
