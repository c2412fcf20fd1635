#!/usr/bin/env node
// Benchmark of re-planning a sweep over N input files (a `File` per task, the stat cache
// warm, `PIPE_NO_PLAN_CACHE=1` so that the compilation itself is measured) beside the same
// sweep over N numbers: what the inputs cost a plan (content-hash.ts: one stat per known
// file; the hash cache read once). Paired runs, interleaved, medians of wall and CPU time
// (pipe's user + system, from bash's `times`), the ratio beside the 1.5x target. Shapes:
// `flat` (a task per value), `fanin` (and one task that reads every output), `grid` (each
// value against 4 numbers: 4N tasks, each input read by four). `--baseline ROOT` also times
// another checkout's build (ROOT/bin/pipe.js) in the same rounds, on the same projects, with
// its own stat cache. Uses dist/: run `npm run build` first.
//
//   node bench/replan-inputs.mjs [--inputs 10000] [--shape flat|fanin|grid] [--repeat 7] [--dir D] [--keep] [--baseline ROOT]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, median, option, pipeBin, requireBuild } from "./common.mjs";

const N = option("--inputs", 10_000);
const REPEAT = option("--repeat", 7);
const shapeIndex = args.indexOf("--shape");
const SHAPE = shapeIndex >= 0 ? args[shapeIndex + 1] : "flat";
const dirIndex = args.indexOf("--dir");
const parent = dirIndex >= 0 ? path.resolve(args[dirIndex + 1]) : os.tmpdir();
const baselineIndex = args.indexOf("--baseline");
const baselineBin = baselineIndex >= 0 ? path.join(path.resolve(args[baselineIndex + 1]), "bin", "pipe.js") : undefined;
const TARGET = 1.5;
if (!["flat", "fanin", "grid"].includes(SHAPE)) {
  console.error(`bench: --shape is flat, fanin or grid, not ${SHAPE}`);
  process.exit(2);
}

requireBuild();
const work = fs.mkdtempSync(path.join(parent, "pipe-bench-replan-"));

/** Wall and CPU seconds of one `pipe plan` (3 when there is work to do), by `bin` (this checkout's by default). */
function timed(cwd, bin = pipeBin) {
  const script = '"$@" > /dev/null 2>&1; s=$?; times; exit $s';
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", script, "_", "node", bin, "plan", "main.pipe"], { cwd, env: { ...process.env, PIPE_NO_PLAN_CACHE: "1" }, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 3) throw new Error(`${bin} plan in ${cwd} exited ${r.status}`);
  const seconds = (t) => {
    const [, m, s] = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m) * 60 + Number(s);
  };
  const [user, sys] = r.stdout.trim().split("\n").at(-1).split(" ").map(seconds);
  return { wall, cpu: user + sys };
}

/** The sweep over N files in `in/` (`inputs`) or over N numbers, in the shape asked for. */
function project(dir, inputs) {
  fs.mkdirSync(dir, { recursive: true });
  let values;
  if (inputs) {
    fs.mkdirSync(path.join(dir, "in"));
    for (let i = 0; i < N; i++) fs.writeFileSync(path.join(dir, "in", `${i}.txt`), `${i}\n`);
    values = Array.from({ length: N }, (_, i) => `"in/${i}.txt"`).join(", ");
  } else values = Array.from({ length: N }, (_, i) => i).join(", ");
  const type = inputs ? "File" : "Int";
  const lines = [`action write(x: ${type}, k: Int) -> (o: File) {`, '  shell "echo ~{x} ~{k} > ~{out.o}"', "}"];
  lines.push("action all(xs: List[File]) -> (o: File) {", '  shell "cat ~{xs} > ~{out.o}"', "}");
  lines.push(`pipeline main(xs: List[${type}] = [${values}]) -> (o: List[File]) {`);
  lines.push(SHAPE === "grid" ? "  let w = for x in xs, k in [0, 1, 2, 3] { write(x = x, k = k) }" : "  let w = for x in xs { write(x = x, k = 0) }");
  if (SHAPE === "fanin") lines.push("  let a = all(xs = w.o)", "  return (o = [a.o])");
  else lines.push("  return (o = w.o)");
  lines.push("}", "");
  fs.writeFileSync(path.join(dir, "main.pipe"), lines.join("\n"));
  fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus: 2 } }) + "\n");
  // A minute back: a file edited a moment ago is hashed again (content-hash.ts), never taken from the cache.
  const then = new Date(Date.now() - 60_000);
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) fs.utimesSync(path.join(dir, f), then, then);
}

const fmt = (t) => `${t.wall.toFixed(3)} s wall, ${t.cpu.toFixed(3)} s cpu`;
const med = (ts) => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
const ratio = (a, b) => `${(a.wall / b.wall).toFixed(2)}x wall, ${(a.cpu / b.cpu).toFixed(2)}x cpu`;

const withInputs = path.join(work, "inputs");
const plain = path.join(work, "numbers");
project(withInputs, true);
project(plain, false);
// The baseline's projects are copies, so that the two builds never share a stat cache (its format may differ).
const baseInputs = path.join(work, "base-inputs");
const basePlain = path.join(work, "base-numbers");
if (baselineBin) {
  fs.cpSync(withInputs, baseInputs, { recursive: true, preserveTimestamps: true });
  fs.cpSync(plain, basePlain, { recursive: true, preserveTimestamps: true });
}
// The first plan of each warms the stat cache (and the file system's); what is measured is the plans after.
timed(withInputs);
timed(plain);
if (baselineBin) {
  timed(baseInputs, baselineBin);
  timed(basePlain, baselineBin);
}
const runs = { inputs: [], plain: [], baseInputs: [], basePlain: [] };
for (let r = 0; r < REPEAT; r++) {
  runs.inputs.push(timed(withInputs));
  runs.plain.push(timed(plain));
  if (!baselineBin) continue;
  runs.baseInputs.push(timed(baseInputs, baselineBin));
  runs.basePlain.push(timed(basePlain, baselineBin));
}
const [pi, pp] = [med(runs.inputs), med(runs.plain)];
console.log(`re-plan benchmark on ${os.cpus().length} cpus (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}), shape ${SHAPE}, ${REPEAT} paired rounds, medians`);
console.log(`  re-plan, ${N} numbers      ${fmt(pp)}`);
console.log(`  re-plan, ${N} input files  ${fmt(pi)}   (${ratio(pi, pp)} the numbers; target ${TARGET}x cpu)`);
if (baselineBin) {
  const [bi, bp] = [med(runs.baseInputs), med(runs.basePlain)];
  console.log(`  baseline ${path.dirname(path.dirname(baselineBin))}:`);
  console.log(`    re-plan, ${N} numbers      ${fmt(bp)}   (this build: ${ratio(pp, bp)} the baseline)`);
  console.log(`    re-plan, ${N} input files  ${fmt(bi)}   (${ratio(bi, bp)} the numbers; this build: ${ratio(pi, bi)} the baseline)`);
}
if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
if (pi.cpu > TARGET * pp.cpu) {
  console.log(`\nmissed: re-plan with ${N} inputs: ${ratio(pi, pp)} (target ${TARGET}x)`);
  process.exit(1);
}
