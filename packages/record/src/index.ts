// @tdrl/record: loggers, episode videos (GIF), metric plots and the HTML report of a training run.

export { logTrainer, metricsRow, type Logger, type MetricsRow, type MetricsValue } from "./logger";
export { JsonlLogger } from "./jsonl-logger";
export { CsvLogger, parseCsvLine } from "./csv-logger";
export { ConsoleLogger, formatProgressLine, type ProgressContext } from "./console-logger";
export { Progress, duration, type ProgressFields, type ProgressOptions, type ProgressStream } from "./progress";
export { RunDirectory, type CreateRunOptions, type RunConfig } from "./run-directory";
export { VideoRecorder, EpisodeGif, readGifInfo, type VideoRecorderOptions, type EpisodeGifOptions, type GifInfo, type Renderable } from "./video-recorder";
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
