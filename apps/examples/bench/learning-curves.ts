/**
 * Learning curves of several runs in one PNG, greedy evaluation against wall minutes, with the times to the
 * milestones: `npm run learning-curves -w examples -- --out <png> <label>=<metrics.jsonl or run dir> ...`.
 * Reads tdrl's `metrics.jsonl` and the PyTorch twin's rows alike (the twin writes the same keys: `frames`,
 * `seconds`, `eval_return`). Prints one JSON line per run (first evaluation >= 195 and >= 475 in frames and
 * minutes, best, last three evaluations, frames/s) and writes them beside the PNG as `<png minus .png>.json`.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { rewardCurveSpec, specToSvg, svgToPng } from "@tdrl/record";

interface Evaluation {
  frames: number;
  minutes: number;
  value: number;
}

interface RunSummary {
  label: string;
  source: string;
  evaluations: number;
  frames: number;
  minutes: number;
  framesPerSecond: number;
  first195: { frames: number; minutes: number } | null;
  first475: { frames: number; minutes: number } | null;
  best: number | null;
  lastThree: number[];
}

const MILESTONES = [195, 475] as const;

function metricsPath(source: string): string {
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), source);
  if (!existsSync(path)) throw new Error(`learning-curves: "${source}" does not exist (resolved to ${path})`);
  return statSync(path).isDirectory() ? join(path, "metrics.jsonl") : path;
}

function readEvaluations(path: string): { evaluations: Evaluation[]; frames: number; seconds: number } {
  const evaluations: Evaluation[] = [];
  let frames = 0;
  let seconds = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const row = JSON.parse(line) as Record<string, unknown>;
    if (typeof row.frames !== "number" || typeof row.seconds !== "number") continue;
    frames = row.frames;
    seconds = row.seconds;
    if (typeof row.eval_return === "number")
      evaluations.push({ frames: row.frames, minutes: row.seconds / 60, value: row.eval_return });
  }
  return { evaluations, frames, seconds };
}

function summarize(label: string, source: string): { summary: RunSummary; evaluations: Evaluation[] } {
  const { evaluations, frames, seconds } = readEvaluations(metricsPath(source));
  const first = (threshold: number) => {
    const e = evaluations.find((x) => x.value >= threshold);
    return e === undefined ? null : { frames: e.frames, minutes: Math.round(e.minutes * 10) / 10 };
  };
  const values = evaluations.map((e) => e.value);
  const summary: RunSummary = {
    label,
    source,
    evaluations: evaluations.length,
    frames,
    minutes: Math.round((seconds / 60) * 10) / 10,
    framesPerSecond: Math.round(frames / Math.max(seconds, 1e-9)),
    first195: first(MILESTONES[0]),
    first475: first(MILESTONES[1]),
    best: values.length > 0 ? Math.max(...values) : null,
    lastThree: values.slice(-3),
  };
  return { summary, evaluations };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { out: { type: "string" }, title: { type: "string" } },
    allowPositionals: true,
  });
  if (values.out === undefined || positionals.length === 0) {
    console.error("usage: learning-curves --out <file.png> [--title <text>] <label>=<metrics.jsonl or run dir> ...");
    process.exit(2);
  }
  const runs = positionals.map((arg) => {
    const at = arg.indexOf("=");
    if (at <= 0) throw new Error(`learning-curves: expected <label>=<path>, got "${arg}"`);
    return summarize(arg.slice(0, at), arg.slice(at + 1));
  });
  // One row per evaluation, its run's label as the column: rewardCurveSpec draws one line per column.
  const rows = runs.flatMap(({ summary, evaluations }) =>
    evaluations.map((e) => ({ minutes: e.minutes, [summary.label]: e.value })),
  );
  const curves = rewardCurveSpec(rows, {
    title: values.title ?? "Greedy evaluation (mean of 10 episodes) against wall time",
    frameKey: "minutes",
    series: runs.map(({ summary }) => ({ column: summary.label, label: summary.label })),
    yTitle: "greedy return",
  });
  // The curves with dashed rules at the milestones (a layer; rewardCurveSpec gives a single-mark spec).
  const { mark, encoding, ...top } = curves as typeof curves & { mark: unknown; encoding: unknown };
  const spec = {
    ...top,
    layer: [
      { mark, encoding },
      {
        data: { values: MILESTONES.map((y) => ({ y })) },
        mark: { type: "rule", strokeDash: [4, 4], color: "#888" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
  } as Parameters<typeof specToSvg>[0];
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
  writeFileSync(out, svgToPng(await specToSvg(spec)));
  const summaries = runs.map((r) => r.summary);
  writeFileSync(out.replace(/\.png$/, ".json"), `${JSON.stringify(summaries, null, 2)}\n`);
  for (const s of summaries) console.log(JSON.stringify(s));
  console.log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
