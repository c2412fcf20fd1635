#!/usr/bin/env node
// Benchmark of the runs that do nothing: a no-op `pipe run` (everything cached) of N
// trivial tasks beside ninja's and make's no-op on the same DAG (a `build.ninja` and a
// `Makefile` generated here, one target per task) (re-planning a sweep over N input files:
// bench/replan-inputs.mjs); and `pipe check` of a small program beside
// `node -e 0`, the start-up of node itself. Paired runs, interleaved, medians of wall and
// CPU time (user + system, from bash's `times`), and the ratios. Uses dist/: run
// `npm run build` first. `--baseline DIR` times another built checkout of pipe (say, main's)
// in the same rounds, for a before-and-after in one sitting. pipe is run as a command, as
// users run it (`bin/pipe.js`, which node_modules/.bin/pipe links to). When
// NODE_EXTRA_CA_CERTS is set (it makes every node process read a CA bundle at start,
// `node -e 0` included; pipe's command starts node without it and hands it back to the
// actions), `node bin/pipe.js`, which reads it, and `node -e 0` without it are also timed in
// the same rounds, to show how much of each figure is node's own start-up on this machine.
//
//   node bench/noop.mjs [--tasks 1000,10000] [--repeat 5] [--check-repeat 15] [--baseline DIR] [--keep]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, median, option, pipeBin, requireBuild, root } from "./common.mjs";

const sizesIndex = args.indexOf("--tasks");
const SIZES = sizesIndex >= 0 ? args[sizesIndex + 1].split(",").map(Number) : [1000, 10000];
const repeatIndex = args.indexOf("--repeat");
const REPEAT = repeatIndex >= 0 ? Number(args[repeatIndex + 1]) : 5;
const CHECK_REPEAT = option("--check-repeat", 15);
const baselineIndex = args.indexOf("--baseline");
const baselineBin = baselineIndex >= 0 ? path.resolve(args[baselineIndex + 1], "bin", "pipe.js") : undefined;
if (baselineBin && !fs.existsSync(baselineBin)) {
  console.error(`bench: no ${baselineBin}`);
  process.exit(2);
}

requireBuild();
for (const tool of ["ninja", "make"]) {
  if (spawnSync(tool, ["--version"]).status !== 0) {
    console.error(`bench: ${tool} is not installed (apt-get install ninja-build make)`);
    process.exit(2);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-noop-"));

/** The environment without NODE_EXTRA_CA_CERTS, when it is set: for `node -e 0` without it. */
const noCa = process.env.NODE_EXTRA_CA_CERTS === undefined ? undefined : Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_EXTRA_CA_CERTS"));

/**
 * Wall and CPU seconds of one run; throws when it fails. The CPU time is the children's
 * user + system time as bash's `times` reports it (milliseconds; /usr/bin/time has only
 * hundredths, too coarse for ninja).
 */
function timed(file, argv, cwd, env = process.env) {
  const script = '"$@" > /dev/null 2>&1; s=$?; times; exit $s';
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", script, "_", file, ...argv], { cwd, env, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  // `pipe plan` exits 3 when there is work to do.
  if (r.status !== 0 && !(r.status === 3 && argv.includes("plan"))) throw new Error(`${file} ${argv.join(" ")} exited ${r.status}`);
  const seconds = (t) => {
    const [, m, s] = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m) * 60 + Number(s);
  };
  const [user, sys] = r.stdout.trim().split("\n").at(-1).split(" ").map(seconds);
  return { wall, cpu: user + sys };
}

/** Sets every file's mtime a minute back: a program edited a moment ago is never kept by the plan cache. */
function age(dir) {
  const then = new Date(Date.now() - 60_000);
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) fs.utimesSync(path.join(dir, f), then, then);
}

function pipeProject(dir, n, inputs) {
  fs.mkdirSync(dir, { recursive: true });
  let values;
  if (inputs) {
    fs.mkdirSync(path.join(dir, "in"));
    for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, "in", `${i}.txt`), `${i}\n`);
    values = Array.from({ length: n }, (_, i) => `"in/${i}.txt"`).join(", ");
  } else values = Array.from({ length: n }, (_, i) => i).join(", ");
  const param = inputs ? "x: File" : "x: Int";
  fs.writeFileSync(
    path.join(dir, "main.pipe"),
    `action write(${param}) -> (o: File) {\n  shell "echo ~{x} > ~{out.o}"\n}\npipeline main(xs: List[${inputs ? "File" : "Int"}] = [${values}]) -> (ws: List[File]) {\n  let w = for x in xs { write(x = x) }\n  return (ws = w.o)\n}\n`,
  );
  fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus: 2 } }) + "\n");
  age(dir);
}

function ninjaProject(dir, n) {
  fs.mkdirSync(path.join(dir, "out"), { recursive: true });
  const lines = ["rule write", "  command = echo $i > $out", ""];
  for (let i = 0; i < n; i++) lines.push(`build out/${i}.txt: write`, `  i = ${i}`);
  lines.push(`build all: phony ${Array.from({ length: n }, (_, i) => `out/${i}.txt`).join(" ")}`, "default all", "");
  fs.writeFileSync(path.join(dir, "build.ninja"), lines.join("\n"));
}

function makeProject(dir, n) {
  fs.mkdirSync(path.join(dir, "out"), { recursive: true });
  const targets = Array.from({ length: n }, (_, i) => `out/${i}.txt`);
  fs.writeFileSync(path.join(dir, "Makefile"), `all: ${targets.join(" ")}\nout/%.txt:\n\techo $* > $@\n`);
}

const fmt = (t) => `${t.wall.toFixed(3)} s wall, ${t.cpu.toFixed(3)} s cpu`;
const med = (ts) => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });
const ratio = (a, b) => `${(a.wall / b.wall).toFixed(2)}x wall, ${(a.cpu / b.cpu).toFixed(2)}x cpu`;

/** Whether bin/pipe.js runs the bundle (as it decides: dist/bundle/pipe.js at least as new as dist/cli/index.js). */
const bundleFresh = () => {
  const bundle = fs.statSync(path.join(root, "dist", "bundle", "pipe.js"), { throwIfNoEntry: false });
  const compiled = fs.statSync(path.join(root, "dist", "cli", "index.js"), { throwIfNoEntry: false });
  return Boolean(bundle && (!compiled || bundle.mtimeMs >= compiled.mtimeMs));
};
const what = bundleFresh() ? "the bundled CLI (dist/bundle)" : "dist/ unbundled (`npm run build` bundles it)";
console.log(`no-op benchmark of ${what} on ${os.cpus().length} cpus (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}), ${REPEAT} paired rounds, medians`);
const failed = [];
for (const n of SIZES) {
  const dir = path.join(work, `n${n}`);
  pipeProject(path.join(dir, "pipe"), n, false);
  ninjaProject(path.join(dir, "ninja"), n);
  makeProject(path.join(dir, "make"), n);
  spawnSync(pipeBin, ["run", "main.pipe", "-j", "2", "--quiet"], { cwd: path.join(dir, "pipe") });
  // The baseline keeps its plan cache in a copy of the project (another format may be kept there).
  const baseDir = path.join(dir, "baseline");
  if (baselineBin) {
    fs.cpSync(path.join(dir, "pipe"), baseDir, { recursive: true });
    fs.rmSync(path.join(baseDir, ".pipe", "plan-cache"), { recursive: true, force: true });
    spawnSync(baselineBin, ["run", "main.pipe", "-j", "2", "--quiet"], { cwd: baseDir });
    timed(baselineBin, ["run", "main.pipe", "-j", "2", "--quiet"], baseDir);
  }
  spawnSync("ninja", ["-j", "2"], { cwd: path.join(dir, "ninja") });
  spawnSync("make", ["-j", "2", "-s"], { cwd: path.join(dir, "make") });
  // The first no-op run keeps the plan; what is measured is the runs after it.
  timed(pipeBin, ["run", "main.pipe", "-j", "2", "--quiet"], path.join(dir, "pipe"));
  const runs = { pipe: [], ninja: [], make: [], baseline: [], node: [], pipeNode: [], nodeNoCa: [] };
  for (let r = 0; r < REPEAT; r++) {
    runs.pipe.push(timed(pipeBin, ["run", "main.pipe", "-j", "2", "--quiet"], path.join(dir, "pipe")));
    // node's own start-up, the floor under any pipe command, in the same rounds.
    runs.node.push(timed("node", ["-e", "0"], dir));
    if (noCa) {
      runs.pipeNode.push(timed("node", [pipeBin, "run", "main.pipe", "-j", "2", "--quiet"], path.join(dir, "pipe")));
      runs.nodeNoCa.push(timed("node", ["-e", "0"], dir, noCa));
    }
    if (baselineBin) runs.baseline.push(timed(baselineBin, ["run", "main.pipe", "-j", "2", "--quiet"], baseDir));
    runs.ninja.push(timed("ninja", ["-j", "2"], path.join(dir, "ninja")));
    runs.make.push(timed("make", ["-j", "2", "-s"], path.join(dir, "make")));
  }
  const [p, nj, mk] = [med(runs.pipe), med(runs.ninja), med(runs.make)];
  console.log(`\n${n} tasks, no-op (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")})`);
  console.log(`  ninja        ${fmt(nj)}`);
  console.log(`  make         ${fmt(mk)}`);
  console.log(`  node -e 0    ${fmt(med(runs.node))}`);
  console.log(`  pipe run     ${fmt(p)}   (${ratio(p, nj)} ninja; ${ratio(p, mk)} make)   target: ${n <= 1000 ? "0.1 s wall" : "2x ninja"}`);
  if (baselineBin) console.log(`  baseline     ${fmt(med(runs.baseline))}   (pipe run is ${ratio(p, med(runs.baseline))} it)`);
  if (noCa) {
    const [pn, nn] = [med(runs.pipeNode), med(runs.nodeNoCa)];
    console.log(`  node bin/pipe.js, reading NODE_EXTRA_CA_CERTS: ${fmt(pn)}   (${ratio(pn, nj)} ninja); node -e 0 without it: ${fmt(nn)}`);
  }
  const records = fs.readdirSync(path.join(dir, "pipe", ".pipe", "runs"));
  const linked = new Set();
  const recordBytes = records.reduce((sum, r) => sum + dirBytes(path.join(dir, "pipe", ".pipe", "runs", r), linked), 0);
  console.log(`  run records  ${records.length} after ${REPEAT + 2} runs, ${(recordBytes / 1e6).toFixed(1)} MB`);
  if (n >= 10000 && p.cpu > 2 * nj.cpu) failed.push(`no-op of ${n} tasks: ${ratio(p, nj)} ninja (target 2x)`);
  if (n <= 1000 && p.wall > 0.1) failed.push(`no-op of ${n} tasks: ${p.wall.toFixed(3)} s wall (target 0.1 s)`);

  // Re-planning a sweep over N input files beside N numbers: bench/replan-inputs.mjs.
}

// Start-up: `pipe check` of a small program beside `node -e 0`.
{
  const dir = path.join(work, "check");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "main.pipe"),
    'action prep(x: Int) -> (o: File) {\n  shell "echo ~{x} > ~{out.o}"\n}\n\naction join(fs: List[File]) -> (o: File) {\n  shell "cat ~{fs} > ~{out.o}"\n}\n\npipeline main(xs: List[Int] = [1, 2, 3]) -> (o: File) {\n  let p = for x in xs { prep(x = x) }\n  let j = join(fs = p.o)\n  return (o = j.o)\n}\n',
  );
  const runs = { node: [], check: [], baseline: [], nodeNoCa: [], checkNode: [] };
  timed(pipeBin, ["check", "main.pipe"], dir);
  for (let r = 0; r < CHECK_REPEAT; r++) {
    runs.node.push(timed("node", ["-e", "0"], dir));
    runs.check.push(timed(pipeBin, ["check", "main.pipe"], dir));
    if (noCa) {
      runs.nodeNoCa.push(timed("node", ["-e", "0"], dir, noCa));
      runs.checkNode.push(timed("node", [pipeBin, "check", "main.pipe"], dir));
    }
    if (baselineBin) runs.baseline.push(timed(baselineBin, ["check", "main.pipe"], dir));
  }
  const [nd, ck] = [med(runs.node), med(runs.check)];
  console.log(`\npipe check of a small program (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}), ${CHECK_REPEAT} paired rounds`);
  console.log(`  node -e 0    ${fmt(nd)}`);
  console.log(`  pipe check   ${fmt(ck)}   (${ratio(ck, nd)} node -e 0)   target: 2x`);
  if (baselineBin) console.log(`  baseline     ${fmt(med(runs.baseline))}   (${ratio(med(runs.baseline), nd)} node -e 0)`);
  if (noCa) {
    const [nn, cn] = [med(runs.nodeNoCa), med(runs.checkNode)];
    console.log(`  node bin/pipe.js check, reading NODE_EXTRA_CA_CERTS: ${fmt(cn)}   (${ratio(cn, nd)} node -e 0); pipe check is ${ratio(ck, nn)} node -e 0 without it`);
  }
  if (ck.wall > 2 * nd.wall || ck.cpu > 2 * nd.cpu) failed.push(`pipe check: ${ratio(ck, nd)} node -e 0 (target 2x)`);
}

/** Bytes of the files under `dir`; a file linked more than once (a run's plan.json) counts once. */
function dirBytes(dir, seen = new Set()) {
  let sum = 0;
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const s = fs.statSync(path.join(dir, f));
    if (s.isFile() && !seen.has(`${s.dev}:${s.ino}`)) {
      seen.add(`${s.dev}:${s.ino}`);
      sum += s.size;
    }
  }
  return sum;
}

if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
if (failed.length) {
  console.log(`\nmissed: ${failed.join("; ")}`);
  process.exit(1);
}
