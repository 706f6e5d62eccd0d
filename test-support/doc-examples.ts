import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

export interface DocExampleOptions {
  /** Put in front of every example: examples are written for the reader and may use names without importing them. */
  header?: string;
  /** Import lines matching this are dropped from examples (the header imports those modules already). */
  dropImports?: RegExp;
}

/** The `@example` blocks of one source file, with the comment's leading ` * ` and any ```ts fence lines removed. */
export function docExamples(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/\* @example\n((?: \*(?: .*)?\n)+?) \*\//g)].map((m) =>
    m[1]!.replace(/^ \* ?/gm, "").replace(/^```(?:ts)?\n/gm, ""),
  );
}

/**
 * Runs every `@example` of the given files as written, so doc comments cannot drift from the code. Each file
 * must have at least one. Call from `src/doc-examples.test.ts`:
 * `describeDocExamples(new URL(".", import.meta.url), ["mlp.ts", ...])`.
 */
export function describeDocExamples(srcDir: URL, files: readonly string[], options: DocExampleOptions = {}): void {
  const dir = srcDir.pathname;
  const scratch = mkdtempSync(join(dir, "..", ".doc-examples-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  describe("doc comment examples", () => {
    for (const file of files) {
      it(`${file} has examples that run`, async () => {
        const found = docExamples(join(dir, file));
        expect(found.length).toBeGreaterThan(0);
        for (const [i, example] of found.entries()) {
          const code = options.dropImports ? example.replace(options.dropImports, "") : example;
          // Files in subfolders (`wasm/x.ts`) get flat scratch names, so the header's relative imports resolve alike.
          const path = join(scratch, `${file.replace(".ts", "").replaceAll("/", "-")}-${i}.ts`);
          writeFileSync(path, (options.header ?? "") + code);
          await import(/* @vite-ignore */ path);
        }
      });
    }
  });
}
