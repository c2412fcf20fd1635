#!/usr/bin/env node
// Benchmark of `pipe diff` on two plans of 100,000 tasks: a `prepare` task, a sweep of
// 100 × 1,000 `train` tasks reading its output, and one `pick` over all of them (a fan-in
// with 100,000 dependencies). The plans are compiled from a generated `.pipe` file with
// `pipe plan --plan-only`, in three versions: the original, one with prepare's seed
// changed (every task reruns, one root cause) and one with the sweep's values renamed
// (100,000 removed, 100,000 added, the fan-in reruns). For each pair it times, in process,
// reading the two plan JSON files, the comparison (`diffPlans`) and the rendering (text and
// JSON), and end to end the CLI `pipe diff a.json b.json` beside its floor: a process of the
// same node that merely reads and JSON.parses the two files, in paired runs (alternating),
// medians of wall and CPU time, the ratio against the 1.5x target (and the 2 s one).
// Uses dist/: run `npm run build` first.
//
//   node bench/diff.mjs [--folds N] [--lrs L] [--repeat R] [--keep]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, median, option, pipeBin, requireBuild, root } from "./common.mjs";

const LRS = option("--lrs", 100);
const FOLDS = option("--folds", 1000);
const REPEAT = option("--repeat", 5);
const TARGET = 2;
/** `pipe diff` end to end against merely parsing the two plans. */
const RATIO_TARGET = 1.5;
const PARSE_ONLY = 'const fs = require("node:fs"); for (const f of process.argv.slice(1)) JSON.parse(fs.readFileSync(f, "utf8"));';

requireBuild("diff/index.js");
const { diffPlans } = await import(path.join(root, "dist", "diff", "index.js"));
const { readPlanFile } = await import(path.join(root, "dist", "diff", "plan-json.js"));
const { diffJson, renderDiff } = await import(path.join(root, "dist", "diff", "render.js"));

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-diff-"));

function source({ seed = 1, lrOffset = 0 } = {}) {
  const lrs = Array.from({ length: LRS }, (_, i) => ((i + 1 + lrOffset) / 1000).toString()).join(", ");
  const folds = Array.from({ length: FOLDS }, (_, i) => i).join(", ");
  return [
    "action prepare(seed: Int) -> (data: File) {",
    '  resources { time = "20m" }',
    '  shell "echo ~{seed} > ~{out.data}"',
    "}",
    "action train(data: File, lr: Float, fold: Int) -> (score: Float) {",
    '  resources { gpus = 1, cpus = 4, time = "1h" }',
    '  shell "echo ~{lr} ~{fold} > ~{out.score}"',
    "}",
    "action pick(scores: List[Float]) -> (best: Float) {",
    "  shell \"printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}\"",
    "}",
    `pipeline main(seed: Int = ${seed}) -> (best: Float) {`,
    "  let d = prepare(seed = seed)",
    `  let runs = for lr in [${lrs}], fold in [${folds}] { train(data = d.data, lr = lr, fold = fold) }`,
    "  let p = pick(scores = runs.score)",
    "  return (best = p.best)",
    "}",
    "",
  ].join("\n");
}

/**
 * One run of the CLI: wall time and CPU time (user + system, from bash's `time`, which is
 * steadier than wall time on a busy machine), in seconds, and its stdout.
 */
function timed(argv, cwd, okCodes = [0], nodeArgv = [pipeBin, ...argv]) {
  const errors = path.join(work, "stderr.txt");
  const t0 = process.hrtime.bigint();
  // pipe as a command (whose node does not read NODE_EXTRA_CA_CERTS), and the parse beside it under node without the variable.
  const command = nodeArgv[0] === pipeBin ? nodeArgv : [process.execPath, ...nodeArgv];
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  const r = spawnSync("bash", ["-c", `TIMEFORMAT='%U %S'; time "$@" 2>"${errors}"`, "bench", ...command], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 30,
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!okCodes.includes(r.status)) throw new Error(`pipe ${argv.join(" ")} exited ${r.status}:\n${fs.readFileSync(errors, "utf8")}`);
  const [user, sys] = r.stderr.toString().trim().split(" ").map(Number);
  return { s, cpu: user + sys, stdout: r.stdout };
}

const ms = (s) => `${(s * 1000).toFixed(0).padStart(6)} ms`;
const now = () => Number(process.hrtime.bigint()) / 1e9;

function plan(name, options) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "main.pipe"), source(options));
  const { s, stdout } = timed(["plan", "--plan-only", "main.pipe"], dir);
  const file = path.join(work, `${name}.json`);
  fs.writeFileSync(file, stdout);
  console.log(`compiled ${name}: ${(stdout.length / 1e6).toFixed(0)} MB of plan JSON in ${s.toFixed(1)} s`);
  return file;
}

const load = () => os.loadavg()[0].toFixed(1);
console.log(`pipe diff benchmark: ${LRS * FOLDS + 2} tasks per plan (node ${process.version}, ${os.cpus().length} CPUs, load average ${load()})`);
const base = plan("base", {});
const pairs = [
  ["upstream change (seed 1 → 2)", base, plan("seed", { seed: 2 })],
  ["renamed sweep values", base, plan("renamed", { lrOffset: 1000 })],
  ["no change", base, base],
];

let worst = 0;
const missed = [];
for (const [label, a, b] of pairs) {
  const times = { read: [], diff: [], text: [], json: [], cli: [], cliCpu: [], parse: [], parseCpu: [] };
  let summary = "";
  for (let r = 0; r < REPEAT; r++) {
    let t = now();
    const before = (await readPlanFile(a)).plan;
    const after = (await readPlanFile(b)).plan;
    times.read.push(now() - t);
    t = now();
    const diff = diffPlans(before, after);
    times.diff.push(now() - t);
    t = now();
    const text = renderDiff(diff);
    times.text.push(now() - t);
    t = now();
    JSON.stringify(diffJson(diff));
    times.json.push(now() - t);
    summary = text.trimEnd().split("\n").slice(-2).join(" | ");
    // Paired with the parse-only process, in alternating order.
    const runs = [() => timed(["diff", a, b], work, [0, 3]), () => timed([], work, [0], ["-e", PARSE_ONLY, a, b])];
    const [cliRun, parseRun] = r % 2 ? runs.reverse().map((f) => f()).reverse() : runs.map((f) => f());
    times.cli.push(cliRun.s);
    times.cliCpu.push(cliRun.cpu);
    times.parse.push(parseRun.s);
    times.parseCpu.push(parseRun.cpu);
  }
  const compare = median(times.diff) + median(times.text);
  const cli = median(times.cli);
  worst = Math.max(worst, cli);
  console.log(`\n${label}: ${summary}`);
  console.log(`  read + parse + check both plans ${ms(median(times.read))}`);
  console.log(`  compare (diffPlans)             ${ms(median(times.diff))}`);
  console.log(`  render text                     ${ms(median(times.text))}`);
  console.log(`  render JSON (--json)            ${ms(median(times.json))}`);
  console.log(`  compare + render                ${ms(compare)}   ${compare < TARGET ? "under" : "OVER"} the ${TARGET} s target`);
  console.log(`  CLI end to end, median of ${REPEAT}   ${ms(cli)}   ${cli < TARGET ? "under" : "OVER"} the ${TARGET} s target`);
  console.log(`  CLI CPU time (user + sys)       ${ms(median(times.cliCpu))}   (GC threads count here too)`);
  const [wallRatio, cpuRatio] = [cli / median(times.parse), median(times.cliCpu) / median(times.parseCpu)];
  console.log(`  parse only (node, JSON.parse)   ${ms(median(times.parse))} wall, ${ms(median(times.parseCpu))} CPU`);
  console.log(`  pipe diff / parse only          ${wallRatio.toFixed(2)}x wall, ${cpuRatio.toFixed(2)}x CPU   (target ${RATIO_TARGET}x; load average ${load()})`);
  if (cpuRatio > RATIO_TARGET) missed.push(`${label}: ${cpuRatio.toFixed(2)}x CPU the parse (target ${RATIO_TARGET}x)`);
}
console.log(`\nslowest CLI run: ${worst.toFixed(2)} s (target ${TARGET} s; the CLI's own start-up is part of it; load average now ${load()})`);
if (worst > TARGET) missed.push(`slowest CLI run ${worst.toFixed(2)} s (target ${TARGET} s)`);

if (args.includes("--keep")) console.log(`plans kept in ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
if (missed.length) {
  console.log(`\nmissed: ${missed.join("; ")}`);
  process.exit(1);
}
