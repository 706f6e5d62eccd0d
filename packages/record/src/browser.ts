// @tdrl/record's browser-safe entry: the package's default export condition (browsers, bundlers). Node gets
// ./index.ts (the "node" condition and @tdrl/record/node), which re-exports all of this and adds what writes
// files or renders with resvg. Add new exports here unless they need Node (browser-entry.test.ts lists those).

export { logTrainer, metricsRow, type Logger, type MetricsRow, type MetricsValue } from "./logger";
export { ConsoleLogger, formatProgressLine, type ProgressContext } from "./console-logger";
export { Progress, duration, type ProgressFields, type ProgressOptions, type ProgressStream } from "./progress";
