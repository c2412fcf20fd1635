#!/usr/bin/env node
// Benchmark of the local backend: N trivial tasks (each writes one small output; 1,000 and
// 10,000 by default) run by `pipe run -j 2`, beside the floor (`xargs -P 2` running the same
// N commands, each in bash) in paired rounds, medians of wall and whole-process CPU time
// (user + system of the command and its children, from bash's `times`), the ratio beside the
// 1.1x target; and `snakemake --cores 2` on the same DAG. Also times the no-op reruns and
// pipe's fixed costs. Uses dist/: run `npm run build` first.
//
// Each round also times the creation of 1,000 empty files in the work directory: a task
// creates three files or directories in pipe's store (its entry, its output, meta.json) and
// one under xargs, so the file system's cost of a creation moves the ratio. On ext4 without a
// journal, a creation scans the inodes deleted in the last minutes (more after a test run).
//
//   node bench/local-run.mjs [--tasks 1000,10000] [--repeat R] [--dir D] [--no-snakemake] [--keep]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, median, option, pipeBin, requireBuild } from "./common.mjs";

const tasksIndex = args.indexOf("--tasks");
const SIZES = tasksIndex >= 0 ? args[tasksIndex + 1].split(",").map(Number) : [1000, 10000];
const REPEAT = option("--repeat", 3);
const TARGET = 1.1;
let N = SIZES[0];
const withSnakemake = !args.includes("--no-snakemake");
const dirIndex = args.indexOf("--dir");
const parent = dirIndex >= 0 ? path.resolve(args[dirIndex + 1]) : os.tmpdir();

requireBuild();

const work = fs.mkdtempSync(path.join(parent, "pipe-bench-local-"));
const command = (i) => `echo ${i} > out/${i}.txt`;

/** Wall time of one run of a command, in seconds; throws when it fails. */
function timed(file, argv, cwd, env = {}) {
  return timedCpu(file, argv, cwd, env).wall;
}

/** Wall and CPU seconds (user + system of the command and all its children, from bash's `times`) of one run; throws when it fails. */
function timedCpu(file, argv, cwd, env = {}) {
  const script = '"$@" > /dev/null 2> "$PIPE_BENCH_ERR"; s=$?; times; exit $s';
  const errors = path.join(work, "stderr.txt");
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", script, "_", file, ...argv], { cwd, env: { ...process.env, PIPE_BENCH_ERR: errors, ...env }, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${file} ${argv.join(" ")} exited ${r.status}:\n${fs.readFileSync(errors, "utf8")}`);
  const seconds = (t) => {
    const [, m, sec] = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m) * 60 + Number(sec);
  };
  const [user, sys] = r.stdout.trim().split("\n").at(-1).split(" ").map(seconds);
  return { wall, cpu: user + sys };
}

const fmt = (s) => `${s.toFixed(2)} s`;
const fmt2 = (t) => `${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s cpu`;

// --- the project -------------------------------------------------------------------------
function makePipeProject(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const values = Array.from({ length: N }, (_, i) => i).join(", ");
  fs.writeFileSync(
    path.join(dir, "main.pipe"),
    [
      "action write(i: Int) -> (o: File) {",
      '  shell "echo ~{i} > ~{out.o}"',
      "}",
      "pipeline main() -> (ws: List[File]) {",
      `  let w = for i in [${values}] { write(i = i) }`,
      "  return (ws = w.o)",
      "}",
      "",
    ].join("\n"),
  );
  // Enough cpus that `-j 2` is the limit, as it is for xargs and snakemake.
  fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus: 2 } }) + "\n");
}

function makeXargsInput(dir) {
  fs.mkdirSync(path.join(dir, "out"), { recursive: true });
  fs.writeFileSync(path.join(dir, "commands.txt"), Array.from({ length: N }, (_, i) => command(i)).join("\n") + "\n");
}

function makeSnakefile(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "Snakefile"),
    [
      `IDS = range(${N})`,
      "rule all:",
      '    input: expand("out/{i}.txt", i=IDS)',
      "rule write:",
      '    output: "out/{i}.txt"',
      '    shell: "echo {wildcards.i} > {output}"',
      "",
    ].join("\n"),
  );
}

// --- measurements ------------------------------------------------------------------------
const xargsRun = () => {
  const dir = fs.mkdtempSync(path.join(work, "xargs-"));
  makeXargsInput(dir);
  // The same N commands, each in its own bash, two at a time: the floor.
  return timedCpu("bash", ["-c", "xargs -P 2 -d '\\n' -n 1 bash -c < commands.txt"], dir);
};

const pipeRun = () => {
  const dir = fs.mkdtempSync(path.join(work, "pipe-"));
  makePipeProject(dir);
  // Compile once first so that the hash cache and module loading are like a user's second run
  // of an edited file (the plan itself is not cached anywhere).
  const cold = timedCpu(pipeBin, ["run", "main.pipe", "-j", "2", "--quiet"], dir);
  const noop = [];
  for (let i = 0; i < REPEAT; i++) noop.push(timed(pipeBin, ["run", "main.pipe", "-j", "2", "--quiet"], dir));
  return { dir, cold, noop: median(noop) };
};

/** Milliseconds to create 1,000 empty files in a fresh directory (left in place until the end). */
const creationProbe = () => {
  const dir = fs.mkdtempSync(path.join(work, "probe-"));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) fs.closeSync(fs.openSync(path.join(dir, String(i)), "w"));
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

/** Node's start-up and the front end alone: `pipe plan` of the same file. */
const planRun = (pipeDir) => median(Array.from({ length: REPEAT }, () => timed(pipeBin, ["plan", "main.pipe", "--json"], pipeDir)));

const nodeStart = () => median(Array.from({ length: REPEAT }, () => timed("node", ["-e", ""], work)));

function snakemakeRuns() {
  const found = spawnSync("snakemake", ["--version"], { encoding: "utf8" });
  if (found.status !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(work, "snakemake-"));
  makeSnakefile(dir);
  const cold = timed("snakemake", ["--cores", "2", "--quiet"], dir);
  const noop = timed("snakemake", ["--cores", "2", "--quiet"], dir);
  return { version: found.stdout.trim(), cold, noop };
}

const missed = [];
for (const size of SIZES) {
  N = size;
  console.log(`\nlocal backend benchmark: ${N} tasks, -j 2, on ${os.cpus().length} cpus (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}), ${REPEAT} paired rounds, medians`);
  console.log(`work dir: ${work}`);
  const rows = [];
  const xs = [];
  const ps = [];
  const noops = [];
  for (let r = 0; r < REPEAT; r++) {
    // Interleaved, and in alternating order, so that both see the same load on a shared machine.
    const probe = creationProbe();
    let p;
    if (r % 2) {
      p = pipeRun();
      xs.push(xargsRun());
    } else {
      xs.push(xargsRun());
      p = pipeRun();
    }
    ps.push(p);
    noops.push(p.noop);
    console.log(`round ${r + 1}: xargs ${fmt2(xs.at(-1))}; pipe ${fmt2(p.cold)} (${(p.cold.cpu / xs.at(-1).cpu).toFixed(2)}x cpu), no-op ${fmt(p.noop)}; 1,000 file creations ${probe.toFixed(0)} ms`);
  }
  const x = { wall: median(xs.map((t) => t.wall)), cpu: median(xs.map((t) => t.cpu)) };
  const p = { wall: median(ps.map((r) => r.cold.wall)), cpu: median(ps.map((r) => r.cold.cpu)) };
  const noop = median(noops);
  const plan = planRun(ps[0].dir);
  const node = nodeStart();

  rows.push(["xargs -P 2 (the floor)", fmt2(x), "1.00x"]);
  rows.push(["pipe run -j 2", fmt2(p), `${(p.wall / x.wall).toFixed(2)}x wall, ${(p.cpu / x.cpu).toFixed(2)}x cpu (target ${TARGET}x)`]);
  rows.push(["pipe run, no-op rerun", fmt(noop), ""]);
  rows.push(["  pipe plan --json (front end + states)", fmt(plan), ""]);
  rows.push(["  node -e '' (start-up)", fmt(node), ""]);
  if (withSnakemake) {
    const sm = snakemakeRuns();
    if (sm) {
      rows.push([`snakemake ${sm.version} --cores 2`, fmt(sm.cold), `${(sm.cold / x.wall).toFixed(2)}x wall`]);
      rows.push(["snakemake, no-op rerun", fmt(sm.noop), ""]);
    } else rows.push(["snakemake --cores 2", "not installed", ""]);
  }

  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, time, ratio] of rows) console.log(`${name.padEnd(width)}  ${time.padStart(26)}  ${ratio}`);
  console.log(`pipe per task: ${(((p.wall - plan) * 1000) / N).toFixed(2)} ms wall after planning (xargs ${((x.wall * 1000) / N).toFixed(2)} ms)`);
  console.log(`target: pipe within ${TARGET}x of xargs in CPU (${(p.cpu / x.cpu).toFixed(2)}x; wall ${(p.wall / x.wall).toFixed(2)}x); load average now ${os.loadavg()[0].toFixed(1)}`);
  if (p.cpu > TARGET * x.cpu) missed.push(`${N} tasks: ${(p.cpu / x.cpu).toFixed(2)}x xargs cpu (target ${TARGET}x)`);
}
if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
if (missed.length) {
  console.log(`\nmissed: ${missed.join("; ")}`);
  process.exit(1);
}
