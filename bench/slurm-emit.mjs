#!/usr/bin/env node
// Benchmark of `pipe emit slurm` at scale: a sweep of N tasks in one of a few shapes is
// emitted (no cluster needed), and the figures the bundle layout is held to are printed
// beside their targets: wall and CPU time and peak memory of the emit (from /usr/bin/time,
// the median of --runs runs; compiled afresh, compiled and kept in the plan cache as a
// project's first emit is, and with the plan the plan cache kept), the bundle's files and
// bytes, and the time one array element takes to start: to read its row of the largest
// table and find its result in the store (the last row, the worst case for a table read
// line by line). Uses dist/: run `npm run build` first.
//
//   node bench/slurm-emit.mjs [--tasks 100000] [--shape fanin|pairs|long|nested] [--max-array 1000] [--runs 3] [--keep]
//
// Shapes: `fanin` an a × b grid of `train` tasks and one `pick` over all of them (the
// issue's sweep); `pairs` the grid, an `eval` per train task (aftercorr) and the fan-in;
// `long` the grid with a long command of several values and a `uses` script; `nested` the
// grid calling a pipeline of two steps (a model file made, then scored) and the fan-in.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, median, option, pipeBin, requireBuild } from "./common.mjs";

const TASKS = option("--tasks", 100_000);
const RUNS = option("--runs", 3);
const MAX_ARRAY = option("--max-array", 1000);
const shapeAt = args.indexOf("--shape");
const SHAPE = shapeAt >= 0 ? args[shapeAt + 1] : "fanin";
if (!["fanin", "pairs", "long", "nested"].includes(SHAPE)) {
  console.error(`bench: --shape is fanin, pairs, long or nested, not ${SHAPE}`);
  process.exit(2);
}
const TARGET = { wall: 2, rssMb: 300, files: 1000, mb: 50, startMs: 100 };

requireBuild();
if (!fs.existsSync("/usr/bin/time")) {
  console.error("bench: /usr/bin/time is needed (Debian: apt-get install time)");
  process.exit(2);
}

const range = (n) => Array.from({ length: n }, (_, i) => i);

/** An a × b grid of about `n` tasks in all, with the shape's other tasks. */
function program(n, shape) {
  const perGrid = shape === "pairs" || shape === "nested" ? 2 : 1;
  const grid = Math.max(1, Math.floor((n - 1) / perGrid));
  let b = Math.min(1000, grid);
  while (grid % b) b--;
  const a = grid / b;
  const train =
    shape === "long"
      ? ['action train(a: Int, b: Int, name: String = "run") -> (score: Float) {', '  uses "train.sh"', "  shell \"LR=~{a} bash train.sh --lr ~{a} --epochs ~{b} --name ~{name}-~{a}-~{b} --seed 42 --out ~{out.score} > /dev/null; echo ~{a}.~{b} > ~{out.score}\"", "}"]
      : ["action train(a: Int, b: Int) -> (score: Float) {", '  shell "echo ~{a}.~{b} > ~{out.score}"', "}"];
  if (shape === "nested") {
    return [
      'action train(a: Int, b: Int, name: String) -> (model: File) {',
      '  shell "echo ~{a}.~{b}.~{name} > ~{out.model}"',
      "}",
      'action evaluate(model: File, split: String = "test") -> (score: Float) {',
      '  shell "wc -c < ~{model} > ~{out.score}"',
      "}",
      "action pick(scores: List[Float]) -> (best: Float) {",
      "  shell \"printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}\"",
      "}",
      "pipeline trial(a: Int, b: Int) -> (score: Float) {",
      '  let t = train(a = a, b = b, name = "m")',
      "  let e = evaluate(model = t.model)",
      "  return (score = e.score)",
      "}",
      "pipeline main() -> (best: Float) {",
      `  let runs = for a in [${range(a).join(", ")}], b in [${range(b).join(", ")}] { trial(a = a, b = b) }`,
      "  let p = pick(scores = runs.score)",
      "  return (best = p.best)",
      "}",
      "",
    ].join("\n");
  }
  return [
    ...train,
    "action evaluate(s: Float) -> (score: Float) {",
    '  shell "echo ~{s} > ~{out.score}"',
    "}",
    "action pick(scores: List[Float]) -> (best: Float) {",
    "  shell \"printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}\"",
    "}",
    "pipeline main() -> (best: Float) {",
    `  let runs = for a in [${range(a).join(", ")}], b in [${range(b).join(", ")}] { train(a = a, b = b) }`,
    ...(shape === "pairs" ? ["  let evals = for r in runs.score { evaluate(s = r) }", "  let p = pick(scores = evals.score)"] : ["  let p = pick(scores = runs.score)"]),
    "  return (best = p.best)",
    "}",
    "",
  ].join("\n");
}

/** Runs a command under /usr/bin/time: wall and CPU seconds, peak RSS in MB. */
function timed(argv, env = {}) {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", ...argv], { env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${r.stderr}`);
  const [wall, user, sys, kb] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { wall, cpu: user + sys, rssMb: kb / 1024, stdout: r.stdout };
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-emit-"));
const proj = path.join(work, "proj");
const bundle = path.join(work, "bundle");
fs.mkdirSync(proj);
fs.writeFileSync(path.join(proj, "main.pipe"), program(TASKS, SHAPE));
fs.writeFileSync(path.join(proj, "train.sh"), "# a stand-in for a training script\n");
fs.writeFileSync(path.join(proj, "pipe.config.json"), JSON.stringify({ store: "../store", slurm: { maxArraySize: MAX_ARRAY } }) + "\n");
const load = () => os.loadavg()[0].toFixed(2);
// As users run it: a command (whose node does not read NODE_EXTRA_CA_CERTS).
const emit = () => [pipeBin, "emit", "slurm", path.join(proj, "main.pipe"), "-o", bundle];

try {
  console.log(`slurm emit benchmark: shape ${SHAPE}, ${TASKS} tasks, maxArraySize ${MAX_ARRAY}, ${RUNS} runs each (load average ${load()})`);
  const fresh = [];
  const first = [];
  const kept = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternating: compiled afresh, then compiled and kept (a project's first emit), then with the plan kept.
    fs.rmSync(bundle, { recursive: true, force: true });
    fresh.push(timed(emit(), { PIPE_NO_PLAN_CACHE: "1" }));
    fs.rmSync(bundle, { recursive: true, force: true });
    fs.rmSync(path.join(proj, ".pipe", "plan-cache"), { recursive: true, force: true });
    first.push(timed(emit()));
    fs.rmSync(bundle, { recursive: true, force: true });
    kept.push(timed(emit()));
  }
  const line = (what, runs) => {
    const wall = median(runs.map((r) => r.wall));
    const cpu = median(runs.map((r) => r.cpu));
    const rss = median(runs.map((r) => r.rssMb));
    console.log(`  ${what.padEnd(30)} wall ${wall.toFixed(2)} s (target ${TARGET.wall} s)   cpu ${cpu.toFixed(2)} s   peak RSS ${rss.toFixed(0)} MB (target ${TARGET.rssMb} MB)`);
  };
  line("emit, compiled afresh", fresh);
  line("first emit, keeping the plan", first);
  line("emit, plan from the plan cache", kept);
  console.log(`  ${fresh.at(-1).stdout.split("\n")[0]}`);

  const files = filesUnder(bundle);
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`  bundle                         ${files.length} files (target <= ${TARGET.files})   ${(bytes / 1e6).toFixed(1)} MB (target <= ${TARGET.mb} MB)`);
  const biggest = files.map((f) => [path.relative(bundle, f), fs.statSync(f).size]).sort((x, y) => y[1] - x[1]).slice(0, 4);
  console.log(`  largest files                  ${biggest.map(([f, n]) => `${f} ${(n / 1e6).toFixed(1)} MB`).join(", ")}`);

  // One element's start: its result put in the store first, so the element stops right after finding it.
  const tables = files.filter((f) => f.endsWith(".tasks")).sort((x, y) => fs.statSync(y).size - fs.statSync(x).size);
  const table = tables[0];
  const rows = fs.readFileSync(table, "utf8").trimEnd().split("\n");
  const [index, key] = rows.at(-1).split("\t");
  const store = path.join(work, "store");
  fs.mkdirSync(path.join(store, key), { recursive: true });
  fs.writeFileSync(path.join(store, key, "meta.json"), "{}\n");
  const script = table.replace(/\.tasks$/, ".sh");
  const starts = range(9).map(() => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("bash", [script, index], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${script} ${index}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  });
  console.log(`  one element's start            ${median(starts).toFixed(0)} ms (target < ${TARGET.startMs} ms): row ${rows.length} of ${path.relative(bundle, table)} (${rows.length} rows), \`bash ${path.relative(bundle, script)} ${index}\``);
  console.log(`  load average at the end        ${load()}`);
} finally {
  if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`  kept ${work}`);
}
