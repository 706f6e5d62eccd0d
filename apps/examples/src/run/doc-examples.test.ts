import { describeDocExamples } from "../../../../test-support/doc-examples";

const here = new URL(".", import.meta.url).pathname;
const modules: Record<string, string[]> = {
  flags: ["configFlags", "defineFlags", "parseCommandLine", "parseFlags"],
};

// Examples import these modules as "./name" for the reader; they run from a scratch directory, so the
// header imports them by absolute path instead.
describeDocExamples(
  new URL(".", import.meta.url),
  Object.keys(modules).map((m) => `${m}.ts`),
  {
    header: Object.entries(modules)
      .map(([m, names]) => `import { ${names.join(", ")} } from "${here}${m}.ts";\n`)
      .join(""),
    dropImports: /^import \{[^}]*\} from "\.\/[\w-]+";\n/gm,
  },
);
