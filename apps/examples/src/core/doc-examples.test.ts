import { describeDocExamples } from "../../../../test-support/doc-examples";

const here = new URL(".", import.meta.url).pathname;
const modules: Record<string, string[]> = {
  "q-network": ["mlpQNetwork", "convQNetwork", "recurrentQNetwork"],
  actor: ["QActor"],
  "train-run": ["trainRun"],
  "build-dqn": ["buildDqn"],
  "program-cli": ["evalCommand", "programMain"],
  "byte-pixels": ["BytePixels"],
  "next-frames": ["NextFrames"],
  "pixel-replay": ["PixelReplay"],
};

// Examples import sibling modules as "./name" (and "../name") for the reader; they run from a scratch
// directory, so the header imports every module by absolute path instead.
describeDocExamples(
  new URL(".", import.meta.url),
  Object.keys(modules).map((m) => `${m}.ts`),
  {
    header:
      Object.entries(modules)
        .map(([m, names]) => `import { ${names.join(", ")} } from "${here}${m}.ts";\n`)
        .join("") +
      `import { CLASSIC } from "${here}../dqn-cartpole-config.ts";\n` +
      `import { initBackend as initBackendForExamples } from "@tdrl/backend";\nawait initBackendForExamples({ prefer: "cpu" });\n`,
    dropImports: /^import \{[^}]*\} from "\.\.?\/[\w-]+";\n/gm,
  },
);
