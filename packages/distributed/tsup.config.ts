import { packageBuild } from "../../tsup.shared";

// The `tdrl-actor` command is a second entry; it imports the package by name (external), not a copy of it.
// Declarations are built for the library entry only: the command has no types to publish, and its import of
// the package by name cannot resolve while dist/ is being written.
export default packageBuild({
  entry: ["src/index.ts", "src/tdrl-actor-bin.ts"],
  dts: { entry: ["src/index.ts"], compilerOptions: { paths: {}, customConditions: ["node"] } },
});
