/**
 * Placeholder for tdrl's TensorDict modules, which are not yet implemented (see the issue for this package).
 * The marker gives the package one real export so it builds, packs and imports like the finished
 * package will; it goes away when the first real export lands.
 */
export const PACKAGE_STATUS = "planned" as const;
