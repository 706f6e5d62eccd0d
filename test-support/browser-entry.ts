import { expect, it } from "vitest";

/**
 * Checks a package's browser entry against its Node entry: the browser entry exports every name the Node
 * entry does except exactly `nodeOnly`, and nothing else. A name added to index.ts alone fails this, so the
 * two lists cannot drift apart silently. Call from `src/browser-entry.test.ts`.
 */
export function describeBrowserEntry(
  loadNode: () => Promise<Record<string, unknown>>,
  loadBrowser: () => Promise<Record<string, unknown>>,
  nodeOnly: readonly string[],
): void {
  it("the browser entry exports the Node entry's names except the Node-only ones", async () => {
    const node = Object.keys(await loadNode()).sort();
    const browser = Object.keys(await loadBrowser()).sort();
    expect(browser.filter((name) => !node.includes(name))).toEqual([]);
    expect(node.filter((name) => !browser.includes(name))).toEqual([...nodeOnly].sort());
  });
}
