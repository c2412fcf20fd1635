#!/usr/bin/env node
// Benchmark of a task's start-up by the kind of its action: a shell command, a Python
// action (pipe's runner, python3) and a TypeScript action, cold (no transpiled module in
// the user's cache: the first task after an edit) and warm, with esbuild's `transform` and
// with the TypeScript compiler it replaced (PIPE_TS_TRANSPILER=typescript, the fallback).
// Each action does next to nothing, so a task's duration is its start-up. Two figures:
// the task's duration as `pipe run` records it (wall time, which a loaded machine inflates)
// and the CPU time (user + system, /usr/bin/time) of the task's program run alone.
// Target: a Python task and a cold TypeScript task each start within 0.2 s.
// Uses dist/: run `npm run build` first.
//
//   node bench/task-start.mjs [--repeat R]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { median, option, pipeBin, requireBuild, root } from "./common.mjs";

const REPEAT = option("--repeat", 7);
const TARGET = 0.2;
requireBuild();

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-start-"));
fs.writeFileSync(
  path.join(work, "main.pipe"),
  [
    "action sh_one() -> (x: Int) {",
    '  shell "echo 1 > ~{out.x}"',
    "}",
    'action py_one = py "./one.py#one"',
    'action ts_one = ts "./one.ts#one"',
    "pipeline shell() -> (x: Int) {",
    "  let t = sh_one()",
    "  return (x = t.x)",
    "}",
    "pipeline python() -> (x: Int) {",
    "  let t = py_one()",
    "  return (x = t.x)",
    "}",
    "pipeline typescript() -> (x: Float) {",
    "  let t = ts_one()",
    "  return (x = t.x)",
    "}",
    "",
  ].join("\n"),
);
fs.writeFileSync(path.join(work, "one.py"), "from typing import TypedDict\n\nclass One(TypedDict):\n    x: int\n\ndef one() -> One:\n    return {\"x\": 1}\n");
fs.writeFileSync(path.join(work, "one.ts"), "export function one(): { x: number } {\n  return { x: 1 };\n}\n");

const caches = path.join(work, "caches");
let n = 0;
const freshCache = () => path.join(caches, String(n++));

/** The duration `pipe run` recorded for the entry's one task, in seconds. */
function taskSeconds(entry, env, config) {
  const r = spawnSync(process.execPath, [pipeBin, "run", "main.pipe", "--entry", entry, "--force", `${entry}/t`, "--quiet", ...(config ? ["--config", config] : [])], { cwd: work, env: { ...process.env, ...env }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pipe run --entry ${entry} exited ${r.status}:\n${r.stderr}`);
  const runs = path.join(work, ".pipe", "runs");
  const latest = fs.readdirSync(runs).sort().pop();
  const record = JSON.parse(fs.readFileSync(path.join(runs, latest, "run.json"), "utf8"));
  return record.tasks.find((t) => t.id === `${entry}/t`).durationMs / 1000;
}

/** CPU seconds (user + system) of a command run alone. */
function cpuSeconds(argv, env) {
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", ...argv], { cwd: work, env: { ...process.env, ...env }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${r.stderr}`);
  const [user, sys] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  return user + sys;
}

const out = path.join(work, "out");
const args = path.join(work, "args.json");
fs.writeFileSync(args, JSON.stringify({ args: {}, inputs: [] }));
const types = JSON.stringify({ x: "Int" });
const tsTypes = JSON.stringify({ x: "Float" });
const programs = {
  shell: () => ["bash", "-c", `echo 1 > ${out}/x`],
  python: () => ["python3", path.join(root, "python", "pipe_runner.py"), "one.py", "one", args, out, types],
  typescript: () => [process.execPath, path.join(root, "dist", "runtime", "ts-runner.js"), "one.ts", "one", args, out, tsTypes],
};

// python3 may be a version manager's shim (pyenv's is a bash script that costs more than
// Python itself): the config can name the interpreter by its path instead.
const interpreter = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
const direct = path.join(work, "direct.json");
fs.writeFileSync(direct, JSON.stringify({ python: interpreter }));
const viaShim = fs.realpathSync(spawnSync("bash", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim()) !== fs.realpathSync(interpreter);
programs.pythonDirect = () => [interpreter, ...programs.python().slice(1)];

const rows = [
  { label: "shell task", entry: "shell", env: () => ({}) },
  { label: `Python task, python3 from PATH${viaShim ? " (a shim)" : ""}`, entry: "python", env: () => ({}), target: !viaShim },
  { label: "Python task, the interpreter by its path", entry: "python", program: "pythonDirect", config: direct, env: () => ({}), target: true },
  { label: "TypeScript task, cold (esbuild)", entry: "typescript", env: () => ({ XDG_CACHE_HOME: freshCache() }), target: true },
  { label: "TypeScript task, warm", entry: "typescript", env: () => ({ XDG_CACHE_HOME: path.join(caches, "warm") }) },
  { label: "TypeScript task, cold (TypeScript compiler)", entry: "typescript", env: () => ({ XDG_CACHE_HOME: freshCache(), PIPE_TS_TRANSPILER: "typescript" }) },
];

console.log(`task start-up, median of ${REPEAT} (load average ${os.loadavg()[0].toFixed(1)}, ${os.cpus().length} CPUs)`);
console.log("kind                                          task wall   program CPU");
let missed = false;
for (const row of rows) {
  taskSeconds(row.entry, row.env(), row.config); // the first run also compiles the plan's caches
  const walls = [];
  const cpus = [];
  for (let i = 0; i < REPEAT; i++) {
    walls.push(taskSeconds(row.entry, row.env(), row.config));
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
    cpus.push(cpuSeconds(programs[row.program ?? row.entry](), { PIPE_STORE: path.join(work, "store"), ...row.env() }));
  }
  const wall = median(walls);
  const cpu = median(cpus);
  const over = row.target && cpu > TARGET;
  missed ||= over;
  console.log(`${row.label.padEnd(46)}${`${wall.toFixed(3)} s`.padStart(9)}   ${`${cpu.toFixed(3)} s`.padStart(9)}${row.target ? (over ? "  (over the 0.2 s target)" : "  (target 0.2 s)") : ""}`);
}
const alone = (argv) => median(Array.from({ length: REPEAT }, () => cpuSeconds(argv, {})));
console.log(`for scale, the interpreters alone: python ${alone([interpreter, "-c", "pass"]).toFixed(3)} s CPU, node ${alone([process.execPath, "-e", "0"]).toFixed(3)} s CPU`);
fs.rmSync(work, { recursive: true, force: true });
process.exitCode = missed ? 1 : 0;
