import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

/**
 * Runs every ```ts block of a package's README as written (each must log something, and nothing undefined), so the docs cannot
 * drift from the code. Blocks import the package by its published name; vitest resolves it to the sources.
 * Call from `src/readme.test.ts`: `describeReadmeExamples(new URL("..", import.meta.url))`; `markdown` runs
 * another page's blocks instead (scratch files still go in the package, so its imports resolve).
 */
export function describeReadmeExamples(packageDir: URL, minExamples = 1, markdown?: URL): void {
  const dir = packageDir.pathname;
  const readme = readFileSync(markdown === undefined ? join(dir, "README.md") : markdown.pathname, "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const scratch = mkdtempSync(join(dir, ".readme-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  describe("README examples", () => {
    it(`has at least ${minExamples} example(s)`, () => {
      expect(blocks.length).toBeGreaterThanOrEqual(minExamples);
    });
    blocks.forEach((code, i) => {
      it(`example ${i + 1} runs`, async () => {
        const file = join(scratch, `example-${i + 1}.ts`);
        writeFileSync(file, code);
        const log = vi.spyOn(console, "log").mockImplementation(() => {});
        try {
          await import(/* @vite-ignore */ file);
          expect(log).toHaveBeenCalled();
          // A logged undefined is a property the docs name but the code lacks (e.g. a renamed report field).
          const undefinedAt = log.mock.calls.findIndex((args) => args.some((arg) => arg === undefined));
          expect(
            undefinedAt,
            `console.log call ${undefinedAt + 1} printed undefined: ${JSON.stringify(log.mock.calls[undefinedAt]?.map(String))}`,
          ).toBe(-1);
        } finally {
          log.mockRestore();
        }
      });
    });
  });
}
