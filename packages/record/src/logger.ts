import type { Trainer, TrainerRecord } from "@tdrl/trainers";

/** One metrics row: a value per column; a row may lack columns (e.g. eval_return between evaluations). */
export type MetricsValue = number | string | boolean | null;
export type MetricsRow = Record<string, MetricsValue>;

/**
 * Where metrics rows go. Implement it to send them anywhere (a database, a dashboard, a test's array);
 * `logTrainer` feeds every logger the rows of a `Trainer`.
 */
export interface Logger {
  log(row: MetricsRow): void;
}

/** A trainer record as a flat metrics row (the snake_case columns of metrics.csv); non-finite values become null. */
export function metricsRow(r: TrainerRecord): MetricsRow {
  const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);
  return {
    frames: r.frames,
    updates: r.updates,
    episodes: r.episodes,
    seconds: r.seconds,
    frames_per_second: num(r.framesPerSecond),
    eps: r.eps,
    train_return: num(r.trainReward),
    loss: num(r.loss),
    eval_return: num(r.evalMean),
  };
}

/**
 * Sends each row a trainer logs (its "log" stage) to every logger, as `metricsRow` columns; returns a
 * function that detaches them.
 *
 * @example
 * // see the README's "A custom logger" section for a whole run.
 * const rows: MetricsRow[] = [];
 * const fake = { register: (_stage: "log", hook: (r: TrainerRecord) => void) => { hook({ frames: 8, updates: 1, episodes: 0, seconds: 1, framesPerSecond: 8, eps: 1, trainReward: NaN, loss: 0.5 }); return () => {}; } };
 * logTrainer(fake, { log: (row) => rows.push(row) });
 * rows[0]!.train_return; // null
 */
export function logTrainer(trainer: Pick<Trainer, "register">, ...loggers: Logger[]): () => void {
  return trainer.register("log", (record) => {
    const row = metricsRow(record);
    for (const l of loggers) l.log(row);
  });
}
