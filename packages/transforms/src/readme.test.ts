import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeReadmeExamples } from "../../../test-support/readme-examples";

const README_EXAMPLES = 8;

describeReadmeExamples(new URL("..", import.meta.url), README_EXAMPLES);

describe("README code blocks", () => {
  it("are all run: every block is ts (run above) except the one sh install line, and none was added uncounted", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const languages = [...readme.matchAll(/^```(\w*)$/gm)].map((m) => m[1]!).filter((_, i) => i % 2 === 0);
    expect(languages.filter((l) => l !== "ts")).toEqual(["sh"]);
    expect(languages.filter((l) => l === "ts")).toHaveLength(README_EXAMPLES);
  });
});
