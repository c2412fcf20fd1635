#!/usr/bin/env node
// Benchmark of the check that a task runs only what its key was computed from
// (src/plan/verify-inputs.ts): a sweep of 5,000 trivial tasks over one dataset directory of
// 100,000 small files plus a `uses` script, beside the same sweep without them. Measures:
//   - local: `pipe run -j 2` of both sweeps into a fresh store (medians of paired runs, wall
//     and CPU time of pipe and its children) beside `pipe plan` of both (the compile's part of
//     the difference: hashing the dataset through the stat cache), and the in-process check's
//     own time for 5,000 tasks (InputVerifier: the uses script by content, the dataset not walked);
//   - Slurm: N elements of one job array run by hand in turn with SLURM_ARRAY_JOB_ID set,
//     per task, with and without the inputs, and how many times the dataset was walked
//     (a `node` shim first on PATH counts the calls of verify-input.js); and a few tasks run
//     outside Slurm, where every task walks it.
// Uses dist/: run `npm run build` first.
//
//   node bench/verify-inputs.mjs [--tasks N] [--files F] [--slurm-tasks S] [--repeat R] [--dir D] [--keep]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, median, option, pipeBin, requireBuild, root } from "./common.mjs";

const N = option("--tasks", 5000);
const FILES = option("--files", 100_000);
const SLURM_TASKS = option("--slurm-tasks", 300);
const REPEAT = option("--repeat", 3);
const dirIndex = args.indexOf("--dir");
const parent = dirIndex >= 0 ? path.resolve(args[dirIndex + 1]) : os.tmpdir();

requireBuild("plan/verify-inputs.js");
const { InputVerifier, REMEDY } = await import(path.join(root, "dist/plan/verify-inputs.js"));

const work = fs.mkdtempSync(path.join(parent, "pipe-bench-verify-"));

/** A project of N tasks; `inputs` gives each task the dataset and the uses script. */
function makeProject(dir, inputs) {
  fs.mkdirSync(path.join(dir, "scripts"), { recursive: true });
  fs.writeFileSync(path.join(dir, "scripts", "step.sh"), "# the sweep's script\n");
  fs.symlinkSync(path.join(work, "data"), path.join(dir, "data"));
  const values = Array.from({ length: N }, (_, i) => i).join(", ");
  const action = inputs
    ? ["action step(data: Dir, i: Int) -> (o: Int) {", '  uses "scripts/step.sh"', '  shell "echo ~{i} > ~{out.o}"', "}"]
    : ["action step(i: Int) -> (o: Int) {", '  shell "echo ~{i} > ~{out.o}"', "}"];
  const call = inputs ? "step(data = data, i = i)" : "step(i = i)";
  fs.writeFileSync(
    path.join(dir, "main.pipe"),
    [...action, `pipeline main(data: Dir = "data") -> (os: List[Int]) {`, `  let s = for i in [${values}] { ${call} }`, "  return (os = s.o)", "}", ""].join("\n"),
  );
  fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus: 2 }, slurm: { maxArraySize: N + 1 } }) + "\n");
}

/** Wall and CPU seconds (its own and its children's, from bash's `times`) of one command. */
function timed(argv, cwd, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", '"$@" > /dev/null 2> "$PIPE_BENCH_ERR" || exit; times', "bench", ...argv], {
    cwd,
    env: { ...process.env, PIPE_BENCH_ERR: path.join(work, "stderr"), ...env },
    encoding: "utf8",
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${fs.readFileSync(path.join(work, "stderr"), "utf8")}`);
  const children = r.stdout.trim().split("\n").pop().split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  return { wall, cpu: children[0] + children[1] };
}

const fmt = (s) => `${s.toFixed(2)} s`;
const ms = (s) => `${(s * 1000).toFixed(1)} ms`;

console.log(`verify-inputs benchmark: ${N} tasks, a dataset of ${FILES} files, on ${os.cpus().length} cpus (load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")})`);
console.log(`work dir: ${work}`);
fs.mkdirSync(path.join(work, "data"));
for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(work, "data", `f${i}.txt`), `${i}\n`);
// The stat cache remembers only files older than 2 s (content-hash.ts): let the dataset age.
await new Promise((r) => setTimeout(r, 3000));

const plain = path.join(work, "plain");
const checked = path.join(work, "checked");
makeProject(plain, false);
makeProject(checked, true);
const store = (dir) => path.join(dir, ".pipe", "store");
const run = (dir) => {
  fs.rmSync(store(dir), { recursive: true, force: true });
  return timed(["node", pipeBin, "run", "main.pipe", "-j", "2", "--quiet"], dir);
};
// A first run of each fills the hash cache (the dataset read once), as for a user's second run.
run(plain);
run(checked);

// --- local -------------------------------------------------------------------------------
const planOnly = (dir) => timed(["node", pipeBin, "plan", "main.pipe", "--plan-only"], dir);
const pairs = [];
const planPairs = [];
for (let r = 0; r < REPEAT; r++) {
  const a = run(plain);
  const b = run(checked);
  pairs.push({ a, b });
  const pa = planOnly(plain);
  const pb = planOnly(checked);
  planPairs.push({ a: pa, b: pb });
  console.log(`local round ${r + 1}: without inputs ${fmt(a.wall)} (cpu ${fmt(a.cpu)}), with ${fmt(b.wall)} (cpu ${fmt(b.cpu)}); pipe plan ${fmt(pa.wall)} and ${fmt(pb.wall)}`);
}
const planDiff = { wall: median(planPairs.map((p) => p.b.wall - p.a.wall)), cpu: median(planPairs.map((p) => p.b.cpu - p.a.cpu)) };
const localA = { wall: median(pairs.map((p) => p.a.wall)), cpu: median(pairs.map((p) => p.a.cpu)) };
const localB = { wall: median(pairs.map((p) => p.b.wall)), cpu: median(pairs.map((p) => p.b.cpu)) };
const localDiff = { wall: median(pairs.map((p) => p.b.wall - p.a.wall)), cpu: median(pairs.map((p) => p.b.cpu - p.a.cpu)) };

// The check alone, in-process, over the plan's tasks.
const plan = JSON.parse(spawnSync("node", [pipeBin, "plan", "main.pipe", "--plan-only"], { cwd: checked, encoding: "utf8", maxBuffer: 1 << 28 }).stdout);
const seen = new Map([[path.join(checked, "data"), fs.statSync(path.join(checked, "data"), { bigint: true })]]);
const own = [];
for (let r = 0; r < REPEAT; r++) {
  const verifier = new InputVerifier(checked, REMEDY.local, seen);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const t of plan.tasks) if (verifier.check(t)) throw new Error(`unexpected: ${verifier.check(t)}`);
  const cpu = process.cpuUsage(c0);
  own.push({ wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (cpu.user + cpu.system) / 1e6 });
}

// --- Slurm array elements ----------------------------------------------------------------
const shims = path.join(work, "shims");
fs.mkdirSync(shims);
const walkLog = path.join(work, "walks.log");
const realNode = process.execPath;
fs.writeFileSync(path.join(shims, "node"), `#!/usr/bin/env bash\ncase "$1" in *verify-input.js) echo x >> ${JSON.stringify(walkLog)} ;; esac\nexec ${JSON.stringify(realNode)} "$@"\n`, { mode: 0o755 });
const emit = (dir) => {
  const out = path.join(dir, "bundle");
  fs.rmSync(out, { recursive: true, force: true });
  const r = spawnSync("node", [pipeBin, "emit", "slurm", "main.pipe", "-o", out], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
};
const bundles = { plain: emit(plain), checked: emit(checked) };
const walks = () => (fs.existsSync(walkLog) ? fs.readFileSync(walkLog, "utf8").split("\n").filter(Boolean).length : 0);
/** The sweep's job array in a bundle (bundle.json): its script and its first `n` array indices (its table's first column). */
function sweepJob(bundle, n) {
  const job = JSON.parse(fs.readFileSync(path.join(bundle, "bundle.json"), "utf8")).jobs.find((j) => j.array && j.count >= n);
  if (!job) throw new Error(`${bundle}: no job array of ${n} tasks or more`);
  const rows = fs.readFileSync(path.join(bundle, job.script.replace(/\.sh$/, ".tasks")), "utf8").split("\n", n);
  return { script: job.script, indices: rows.map((row) => row.split("\t", 1)[0]) };
}

/** Runs the first n elements of a bundle's sweep in turn (one bash), as one job's array tasks would, with their own job's id. */
const slurmTasks = (dir, n, jobEnv) => {
  fs.rmSync(store(dir), { recursive: true, force: true });
  const { script, indices } = sweepJob(path.join(dir, "bundle"), n);
  const loop = `for i in ${indices.join(" ")}; do bash ${script} "$i" || exit; done`;
  const env = { PATH: `${shims}:${process.env.PATH}`, PIPE_STORE: store(dir), PIPE_PROJECT: dir, PIPE_HOME: root, ...jobEnv };
  return timed(["bash", "-c", loop], path.join(dir, "bundle"), env);
};
const slurmPairs = [];
let walksPerJob = [];
for (let r = 0; r < REPEAT; r++) {
  const job = { SLURM_ARRAY_JOB_ID: String(9000 + r), SLURM_JOB_ID: String(9100 + r) };
  const a = slurmTasks(plain, SLURM_TASKS, job);
  const before = walks();
  const b = slurmTasks(checked, SLURM_TASKS, job);
  walksPerJob.push(walks() - before);
  slurmPairs.push({ a, b });
  console.log(`slurm round ${r + 1}: ${SLURM_TASKS} elements without inputs ${fmt(a.wall)}, with ${fmt(b.wall)}; dataset walked ${walksPerJob.at(-1)} times`);
}
const per = (x) => x / SLURM_TASKS;
const slurmA = per(median(slurmPairs.map((p) => p.a.wall)));
const slurmB = per(median(slurmPairs.map((p) => p.b.wall)));
const slurmDiff = { wall: per(median(slurmPairs.map((p) => p.b.wall - p.a.wall))), cpu: per(median(slurmPairs.map((p) => p.b.cpu - p.a.cpu))) };
// Outside Slurm every task walks the dataset: a few, to show what the stamp saves.
const BY_HAND = 3;
const beforeHand = walks();
const byHand = slurmTasks(checked, BY_HAND, {});
const handWalks = walks() - beforeHand;

console.log("");
console.log(`local pipe run -j 2, ${N} tasks: without inputs ${fmt(localA.wall)} (cpu ${fmt(localA.cpu)}), with ${fmt(localB.wall)} (cpu ${fmt(localB.cpu)}); paired difference ${fmt(localDiff.wall)} wall, ${fmt(localDiff.cpu)} cpu`);
console.log(`  of which the compile (pipe plan, paired difference): ${fmt(planDiff.wall)} wall, ${fmt(planDiff.cpu)} cpu`);
console.log(`  the check itself for ${N} tasks: ${ms(median(own.map((o) => o.wall)))} wall, ${ms(median(own.map((o) => o.cpu)))} cpu (uses script read ${N} times, dataset not walked)`);
console.log(`slurm array elements, one job: ${ms(slurmA)} per task without inputs, ${ms(slurmB)} with; the check adds ${ms(slurmDiff.wall)} wall, ${ms(slurmDiff.cpu)} cpu per task`);
console.log(`  dataset walked ${median(walksPerJob)} time(s) per job of ${SLURM_TASKS} tasks; outside Slurm ${handWalks} times for ${BY_HAND} tasks, ${ms(byHand.wall / BY_HAND)} per task (cpu ${ms(byHand.cpu / BY_HAND)})`);
if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
