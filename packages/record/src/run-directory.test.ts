import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunDirectory } from "./run-directory";
import { parseCsvLine } from "./csv-logger";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "run-directory-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const now = new Date("2026-12-01T21:05:09.123Z");

describe("RunDirectory", () => {
  it("names runs <program>-<UTC timestamp>, adding a suffix when taken", () => {
    const a = RunDirectory.create({ root, program: "flagship", config: {}, now });
    const b = RunDirectory.create({ root, program: "flagship", config: {}, now });
    expect(a.name).toBe("flagship-20261201-210509");
    expect(b.name).toBe("flagship-20261201-210509-2");
    expect(a.path).toBe(join(root, "flagship-20261201-210509"));
    expect(a.file("report.html")).toBe(join(a.path, "report.html"));
  });

  it("writes config.json and reads it back on open", () => {
    const config = { lr: 3e-4, env: { name: "CartPole", pixels: true } };
    const run = RunDirectory.create({ root, program: "p", name: "x", config });
    expect(JSON.parse(readFileSync(run.file("config.json"), "utf8"))).toEqual({ frameKey: "frames", config });
    expect(RunDirectory.open(run.path).config).toEqual(config);
  });

  it("refuses a taken explicit name, a bad name and a directory that is not a run", () => {
    const run = RunDirectory.create({ root, program: "p", name: "x", config: {} });
    expect(() => RunDirectory.create({ root, program: "p", name: "x", config: {} })).toThrow(
      `${run.path} already exists and is not empty: resume it with --resume ${run.path}, or choose another --name`,
    );
    expect(() => RunDirectory.create({ root, program: "p", name: "../x", config: {} })).toThrow(
      'run name "../x": use letters, digits',
    );
    mkdirSync(join(root, "empty"));
    expect(() => RunDirectory.open(join(root, "empty"))).toThrow(
      `${join(root, "empty")}: not a run directory (no config.json)`,
    );
    writeFileSync(join(root, "empty", "config.json"), "{");
    expect(() => RunDirectory.open(join(root, "empty"))).toThrow(`${join(root, "empty", "config.json")}: corrupt JSON`);
  });

  it("appends rows to jsonl and csv with stable columns; rows may lack columns and add new ones", () => {
    const run = RunDirectory.create({ root, program: "p", name: "m", config: {} });
    run.appendMetrics({ frames: 100, train_return: 12.5, epsilon: 0.9 });
    run.appendMetrics({ frames: 200, train_return: 20, epsilon: 0.8, note: 'a "quoted", text' });
    run.appendMetrics({ frames: 300, eval_return: 150, loss: Number.NaN });
    expect(readFileSync(run.file("metrics.csv"), "utf8")).toBe(
      [
        "frames,train_return,epsilon,note,eval_return,loss",
        "100,12.5,0.9,,,",
        '200,20,0.8,"a ""quoted"", text",,',
        "300,,,,150,NaN",
        "",
      ].join("\n"),
    );
    const rows = run.readMetrics();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({ frames: 100, train_return: 12.5, epsilon: 0.9 });
    expect(rows[2]!.loss).toBeNaN();
    expect(readFileSync(run.file("metrics.jsonl"), "utf8").split("\n")[2]).toBe(
      '{"frames":300,"eval_return":150,"loss":"NaN"}',
    );
    expect(parseCsvLine('200,20,0.8,"a ""quoted"", text",,')).toEqual(["200", "20", "0.8", 'a "quoted", text', "", ""]);
  });

  it("refuses a row without a finite frame count, leaving the files unchanged", () => {
    const run = RunDirectory.create({ root, program: "p", name: "m", config: {} });
    run.appendMetrics({ frames: 1 });
    const before = readFileSync(run.file("metrics.jsonl"), "utf8");
    expect(() => run.appendMetrics({ loss: 1 })).toThrow(
      'metrics row: "frames" must be a finite number, got undefined',
    );
    expect(() => run.appendMetrics({ frames: Infinity })).toThrow(
      'metrics row: "frames" must be a finite number, got null',
    );
    expect(readFileSync(run.file("metrics.jsonl"), "utf8")).toBe(before);
  });

  it("truncates metrics after a checkpoint's frame count, in both files", () => {
    const run = RunDirectory.create({ root, program: "p", name: "m", config: {} });
    for (let f = 100; f <= 500; f += 100) run.appendMetrics({ frames: f, train_return: f / 10 });
    run.truncateMetrics(300);
    expect(run.readMetrics().map((r) => r.frames)).toEqual([100, 200, 300]);
    expect(readFileSync(run.file("metrics.csv"), "utf8")).toBe("frames,train_return\n100,10\n200,20\n300,30\n");
    run.appendMetrics({ frames: 400, train_return: 1 });
    expect(
      RunDirectory.open(run.path)
        .readMetrics()
        .map((r) => r.frames),
    ).toEqual([100, 200, 300, 400]);
    expect(readdirSync(run.path).sort()).toEqual(["config.json", "metrics.csv", "metrics.jsonl"]);
  });

  it("repairs a row cut short by a crash, and a csv that missed the last append", () => {
    const run = RunDirectory.create({ root, program: "p", name: "m", config: {} });
    run.appendMetrics({ frames: 100, train_return: 1 });
    appendFileSync(run.file("metrics.jsonl"), '{"frames":200,"train_return":2}\n{"frames":300,"tra');
    const reopened = RunDirectory.open(run.path);
    expect(reopened.readMetrics().map((r) => r.frames)).toEqual([100, 200]);
    expect(readFileSync(run.file("metrics.csv"), "utf8")).toBe("frames,train_return\n100,1\n200,2\n");
    reopened.appendMetrics({ frames: 300, train_return: 3 });
    expect(
      RunDirectory.open(run.path)
        .readMetrics()
        .map((r) => r.frames),
    ).toEqual([100, 200, 300]);
  });

  it("names the line of a corrupt row in the middle of the file", () => {
    const run = RunDirectory.create({ root, program: "p", name: "m", config: {} });
    writeFileSync(run.file("metrics.jsonl"), '{"frames":1}\nnot json\n{"frames":2}\n');
    expect(() => run.readMetrics()).toThrow(`${run.file("metrics.jsonl")}:2: corrupt metrics row`);
  });
});
