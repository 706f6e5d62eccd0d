import { packageBuild } from "../../tsup.shared";

// The `tdrl-actor` command is a second entry; it imports the package by name (external), not a copy of it.
export default packageBuild({ entry: ["src/index.ts", "src/tdrl-actor-bin.ts"] });
