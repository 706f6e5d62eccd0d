// @tdrl/record: loggers, episode videos (GIF), metric plots and the HTML report of a training run. This is
// the Node entry (the "node" export condition and @tdrl/record/node): the browser entry's names
// (./browser.ts), plus the parts that write files or render with resvg.

export * from "./browser";
export { JsonlLogger } from "./jsonl-logger";
export { CsvLogger, parseCsvLine } from "./csv-logger";
export { RunDirectory, type CreateRunOptions, type RunConfig } from "./run-directory";
export {
  VideoRecorder,
  EpisodeGif,
  readGifInfo,
  type VideoRecorderOptions,
  type EpisodeGifOptions,
  type GifInfo,
  type Renderable,
} from "./video-recorder";
export {
  writeRewardCurve,
  writeMetricPlot,
  writeTrainingPlots,
  rewardCurveSpec,
  specToSvg,
  svgToPng,
  fontOptions,
  TRAINING_PLOTS,
  type CurveSeries,
  type RewardCurveOptions,
} from "./metric-plot";
export { writeReport, renderReportHtml, type ReportOptions } from "./report-html";
