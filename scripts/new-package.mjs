// Writes the boilerplate of a package folder (package.json, tsconfig, build and test configs).
// Usage: node scripts/new-package.mjs <folder> "<description>" [dep ...]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
const [folder, description, ...deps] = process.argv.slice(2);
if (!folder || !description) throw new Error("usage: node scripts/new-package.mjs <folder> <description> [dep ...]");
const dir = `packages/${folder}`;
mkdirSync(`${dir}/src`, { recursive: true });
const pkg = {
  name: `@tdrl/${folder}`,
  version: "0.1.0",
  description,
  license: "MIT",
  type: "module",
  sideEffects: false,
  main: "./dist/index.cjs",
  module: "./dist/index.js",
  types: "./dist/index.d.ts",
  exports: {
    ".": {
      import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
      require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
    },
    "./package.json": "./package.json",
  },
  files: ["dist"],
  publishConfig: { access: "public" },
  keywords: ["reinforcement-learning", "torchrl", "tensorflowjs", "typescript"],
  homepage: `https://github.com/tdrl/tdrl/tree/main/${dir}#readme`,
  bugs: { url: "https://github.com/tdrl/tdrl/issues" },
  repository: { type: "git", url: "git+https://github.com/tdrl/tdrl.git", directory: dir },
  engines: { node: ">=20.11" },
  scripts: {
    build: "tsup",
    typecheck: "tsc --noEmit -p tsconfig.json",
    test: "vitest run",
    bench: "node --import tsx bench/run.ts",
  },
  dependencies: Object.fromEntries(deps.map((d) => [d, "^0.1.0"])),
  peerDependencies: { "@tensorflow/tfjs-core": "^4.22.0" },
};
const write = (path, text) => {
  if (!existsSync(path)) writeFileSync(path, text);
};
write(`${dir}/LICENSE`, readFileSync("LICENSE", "utf8"));
write(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
write(
  `${dir}/tsconfig.json`,
  `${JSON.stringify({ extends: "../../tsconfig.base.json", include: ["src", "bench"] }, null, 2)}\n`,
);
write(`${dir}/tsup.config.ts`, 'import { packageBuild } from "../../tsup.shared";\n\nexport default packageBuild();\n');
// The explicit extension keeps the import resolvable by Vite's native config loader, its planned default.
write(
  `${dir}/vitest.config.ts`,
  'import { packageTests } from "../../vitest.shared.ts";\n\nexport default packageTests();\n',
);
