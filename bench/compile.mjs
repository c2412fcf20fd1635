#!/usr/bin/env node
// Benchmark of plan compilation: `pipe plan` end to end (start-up, parse, check, expand,
// keys, store lookup, the printed plan) on a sweep shape of lib/compile-shape.mjs, beside its
// floor, lib/compile-floor.mjs: a hand-written script that makes the same tasks and keys and
// prints the same lines. Runs alternate (floor, pipe compiling, pipe's first run writing
// the plan cache) for `--rounds` rounds, and medians are printed with the ratio to the
// floor: wall time, CPU of the main thread, CPU of the process (all threads), peak RSS.
// Before measuring, the floor's tasks are checked against pipe's plan on a small grid of
// the same shape (sizes cut to at most 3), so that the floor is a floor of this plan.
// Uses dist/: run `npm run build` first.
//
//   node bench/compile.mjs [--dims 100,1000] [--nest] [--chain N] [--rounds 5] [--baseline DIR] [--keep]
//
// `--baseline DIR`: also measure the pipe built in DIR (a checkout of another revision,
// built), compiling, in the same rounds: before and after a change, paired.
//
// Target (the default shape, 100,000 tasks and a fan-in): at most 0.9 s of CPU and 250 MB
// of peak RSS for `pipe plan`, compiling.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, median, option, pipeBin, requireBuild, root } from "./common.mjs";
import { shapeArgs, shapeName, shapeOf, shapeProgram, shapeTasks } from "./lib/compile-shape.mjs";

const TARGET = { cpu: 0.9, mb: 250 };
const shape = shapeOf(args);
const rounds = option("--rounds", 5);
const floorBin = path.join(root, "bench", "lib", "compile-floor.mjs");
const cpuHook = path.join(root, "bench", "lib", "cpu-at-exit.cjs");
const baselineAt = args.indexOf("--baseline");
const baseline = baselineAt >= 0 ? path.resolve(args[baselineAt + 1], "bin", "pipe.js") : undefined;

requireBuild();
if (!fs.existsSync("/usr/bin/time")) {
  console.error("bench: /usr/bin/time is needed for peak RSS and process CPU");
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-compile-"));

function project(name, s) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.pipe"), shapeProgram(s));
  return dir;
}

/**
 * One run: wall and CPU seconds, main-thread CPU, peak RSS in MB (10^6 bytes), stdout. A pipe
 * runs as a command, as users run it (its node does not read NODE_EXTRA_CA_CERTS), the floor
 * under node without that variable, the same start-up.
 */
function measure(argv, cwd, env = {}) {
  const cpuFile = path.join(work, "cpu");
  fs.rmSync(cpuFile, { force: true });
  const pipe = argv[0] === pipeBin || argv[0] === baseline;
  const command = pipe ? argv : [process.execPath, "--require", cpuHook, ...argv];
  const { NODE_EXTRA_CA_CERTS: _, ...withoutCerts } = process.env;
  const r = spawnSync("/usr/bin/time", ["-f", "BENCH_TIME %e %M %U %S", ...command], {
    cwd,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...(pipe ? process.env : withoutCerts), NO_COLOR: "1", BENCH_CPU_FILE: cpuFile, ...(pipe ? { NODE_OPTIONS: `--require=${cpuHook} ${process.env.NODE_OPTIONS ?? ""}` } : {}), ...env },
  });
  const m = /BENCH_TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${(r.stderr ?? "").slice(-2000)}`);
  const main = fs.existsSync(cpuFile) ? Number(fs.readFileSync(cpuFile, "utf8")) : undefined;
  return { wall: Number(m[1]), mb: (Number(m[2]) * 1024) / 1e6, cpu: Number(m[3]) + Number(m[4]), main, stdout: r.stdout };
}

/** The floor's tasks against pipe's plan, on the same shape with every size cut to at most 3. */
function checkFloor() {
  const small = { ...shape, dims: shape.dims.map((n) => Math.min(n, 3)) };
  const dir = project("check", small);
  const plan = JSON.parse(measure([pipeBin, "plan", "main.pipe", "--plan-only"], dir, { PIPE_NO_PLAN_CACHE: "1" }).stdout);
  const floor = measure([floorBin, ...shapeArgs(small), "--json"], dir).stdout;
  const mine = JSON.stringify(plan.tasks.map((t) => ({ id: t.id, key: t.key, group: t.group, deps: t.deps, args: t.args, command: t.command })));
  if (mine !== floor.trim()) throw new Error(`bench: the floor's tasks are not pipe's for ${shapeName(small)}:\npipe  ${mine.slice(0, 400)}\nfloor ${floor.slice(0, 400)}`);
  const text = measure([pipeBin, "plan", "main.pipe"], dir, { PIPE_NO_PLAN_CACHE: "1" }).stdout;
  if (text !== measure([floorBin, ...shapeArgs(small)], dir).stdout) throw new Error("bench: the floor does not print what pipe plan prints");
}

const fmt = (x, unit, digits = 2) => (x === undefined ? "-" : `${x.toFixed(digits)} ${unit}`);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(" ");

const tasks = shapeTasks(shape);
console.log(`plan compile benchmark — ${shapeName(shape)}: ${tasks.toLocaleString("en")} tasks; node ${process.version}, ${os.cpus().length} CPUs, load ${load()}`);
checkFloor();
console.log(`the floor makes pipe's tasks and keys (checked on the same shape, sizes cut to 3)`);

const dir = project("plan", shape);
const planCache = path.join(dir, ".pipe", "plan-cache");
const kinds = {
  floor: { label: "floor (hand-written)", run: () => measure([floorBin, ...shapeArgs(shape)], dir) },
  ...(baseline ? { baseline: { label: "baseline, compiling", run: () => measure([baseline, "plan", "main.pipe"], dir, { PIPE_NO_PLAN_CACHE: "1" }) } } : {}),
  compile: { label: "pipe plan, compiling", run: () => measure([pipeBin, "plan", "main.pipe"], dir, { PIPE_NO_PLAN_CACHE: "1" }) },
  first: {
    label: "pipe plan, first run",
    run: () => {
      // What a user's first `pipe plan` costs: compiling, and keeping the plan for the next.
      fs.rmSync(planCache, { recursive: true, force: true });
      return measure([pipeBin, "plan", "main.pipe"], dir);
    },
  },
};
const results = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
const loads = [];
for (let r = 0; r < rounds; r++) {
  for (const [k, kind] of Object.entries(kinds)) results[k].push(kind.run());
  loads.push(os.loadavg()[0]);
}
const summary = {};
console.log(`\nmedians of ${rounds} alternating rounds (load during: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}):`);
console.log(`  ${"".padEnd(22)} ${"wall".padStart(8)} ${"main CPU".padStart(9)} ${"all CPU".padStart(9)} ${"peak RSS".padStart(9)}   ratio to floor (main CPU, all CPU, RSS)`);
for (const [k, kind] of Object.entries(kinds)) {
  const rs = results[k];
  const m = (f) => (rs.every((x) => x[f] !== undefined) ? median(rs.map((x) => x[f])) : undefined);
  // Ratios of paired runs: each round's pipe against that round's floor.
  const ratio = (f) => (results.floor.every((x) => x[f] !== undefined) && rs.every((x) => x[f] !== undefined) ? median(rs.map((x, i) => x[f] / results.floor[i][f])) : undefined);
  summary[k] = { wall: m("wall"), main: m("main"), cpu: m("cpu"), mb: m("mb") };
  const ratios = k === "floor" ? "" : `   ${fmt(ratio("main"), "x")}, ${fmt(ratio("cpu"), "x")}, ${fmt(ratio("mb"), "x")}`;
  console.log(`  ${kind.label.padEnd(22)} ${fmt(summary[k].wall, "s").padStart(8)} ${fmt(summary[k].main, "s").padStart(9)} ${fmt(summary[k].cpu, "s").padStart(9)} ${fmt(summary[k].mb, "MB", 0).padStart(9)}${ratios}`);
}
if (baseline) {
  const paired = (f) => median(results.compile.map((x, i) => x[f] / results.baseline[i][f]));
  console.log(`  pipe against the baseline, paired: main CPU ${fmt(paired("main"), "x")}, all CPU ${fmt(paired("cpu"), "x")}, wall ${fmt(paired("wall"), "x")}, peak RSS ${fmt(paired("mb"), "x")}`);
}
const lines = results.compile[0].stdout.split("\n").length - 1;
console.log(`  (each printed ${lines.toLocaleString("en")} lines; load now ${load()})`);

const c = summary.compile;
const cpu = c.main ?? c.cpu;
const met = cpu <= TARGET.cpu && c.mb <= TARGET.mb;
const sized = tasks >= 100_000;
console.log(`\ntarget for 100,000 tasks, compiling: at most ${TARGET.cpu} s CPU (main thread) and ${TARGET.mb} MB — ${fmt(cpu, "s")}, ${fmt(c.mb, "MB", 0)}: ${sized ? (met ? "met" : "MISSED") : "not judged"}${tasks === 100_001 ? "" : ` (this shape has ${tasks.toLocaleString("en")} tasks)`}`);
console.log(`  on a loaded machine, the floor's ratio is the steadier figure: the target is ${(TARGET.cpu / 0.65).toFixed(2)}x a floor of 0.65 s`);

if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
process.exitCode = met || !sized ? 0 : 1;
