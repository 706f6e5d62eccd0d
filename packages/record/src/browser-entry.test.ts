import { describe } from "vitest";
import { describeBrowserEntry } from "../../../test-support/browser-entry";

describe("browser entry", () => {
  describeBrowserEntry(
    () => import("./index"),
    () => import("./browser"),
    [
      "JsonlLogger",
      "CsvLogger",
      "parseCsvLine",
      "RunDirectory",
      "VideoRecorder",
      "EpisodeGif",
      "readGifInfo",
      "writeRewardCurve",
      "writeMetricPlot",
      "writeTrainingPlots",
      "rewardCurveSpec",
      "specToSvg",
      "svgToPng",
      "fontOptions",
      "TRAINING_PLOTS",
      "writeReport",
      "renderReportHtml",
    ],
  );
});
