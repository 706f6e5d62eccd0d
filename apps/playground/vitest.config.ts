import { mergeConfig } from "vitest/config";
import { packageTests } from "../../vitest.shared.ts";

// The browser test builds the page with Vite and drives it in Chromium: minutes, not the default minute.
export default mergeConfig(packageTests(), { test: { testTimeout: 240_000, hookTimeout: 240_000 } });
