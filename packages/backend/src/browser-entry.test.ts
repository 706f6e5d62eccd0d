import { describe, expect, it } from "vitest";
import { describeBrowserEntry } from "../../../test-support/browser-entry";
import * as browser from "./browser";
import * as node from "./index";

describe("browser entry", () => {
  describeBrowserEntry(
    async () => node,
    async () => browser,
    [],
  );

  it("has its own initBackend, which never looks for tfjs-node", () => {
    expect(browser.initBackend).not.toBe(node.initBackend);
  });
});
