import { describeDocExamples } from "../../../test-support/doc-examples";

// Examples use the package's names without importing them; one header of imports goes in front of each.
const header = [
  'import { logTrainer, metricsRow, JsonlLogger, CsvLogger, ConsoleLogger, Progress, RunDirectory, VideoRecorder, EpisodeGif, readGifInfo, writeRewardCurve, writeMetricPlot, writeReport, type MetricsRow } from "@tdrl/record";',
  'import type { TrainerRecord } from "@tdrl/trainers";',
  "",
].join("\n");

describeDocExamples(
  new URL(".", import.meta.url),
  [
    "logger.ts",
    "jsonl-logger.ts",
    "csv-logger.ts",
    "console-logger.ts",
    "progress.ts",
    "run-directory.ts",
    "video-recorder.ts",
    "metric-plot.ts",
    "report-html.ts",
  ],
  { header, dropImports: /^import \{[^}]*\} from "\.\/[\w-]+";\n/gm },
);
