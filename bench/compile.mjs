#!/usr/bin/env node
// Benchmark of plan compilation: a sweep of N `train` tasks (a grid A × B) and one `pick`
// that depends on all of them, planned by `pipe plan` end to end (parse, check, expand,
// keys, store lookup, print), beside `snakemake -n` on the same DAG (a wildcard rule
// instantiated N times and a fan-in rule). pipe is always measured at 100,000 tasks, with a
// breakdown by phase; snakemake at 1,000 and 10,000, and at 100,000 only with --full (it
// takes minutes). Where snakemake is not measured, the figures measured on this machine
// when the target was set are printed as reference, labelled so. Uses dist/: run
// `npx tsc -p .` first.
//
//   node bench/compile.mjs [--full] [--no-snakemake] [--sizes 1000,10000,100000] [--keep]
//
// Target: under 3 s and under 1 GB for 100,000 tasks.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, pipeBin, requireBuild, root } from "./common.mjs";

const full = args.includes("--full");
const withSnakemake = !args.includes("--no-snakemake");
const sizesArg = args.indexOf("--sizes");
const SIZES = sizesArg >= 0 ? args[sizesArg + 1].split(",").map(Number) : [1000, 10000, 100000];
const SNAKEMAKE_TIMEOUT_S = 900;
const TARGET = { seconds: 3, mib: 1024, tasks: 100000 };
/** snakemake 7.21 -n on this DAG, measured on the development machine when the target was set. */
const SNAKEMAKE_REFERENCE = { 1000: { s: 1.2 }, 10000: { s: 4.2 }, 100000: { s: 191, mib: 1.4 * 1024 } };

requireBuild();

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-compile-"));
const hasTime = fs.existsSync("/usr/bin/time");
const hasSnakemake = withSnakemake && spawnSync("snakemake", ["--version"], { stdio: "ignore" }).status === 0;

/** A grid with a × b = n, b at most 1,000. */
function grid(n) {
  const b = Math.min(n, 1000);
  if (n % b) throw new Error(`bench: ${n} tasks is not a multiple of ${b}`);
  return [n / b, b];
}

function pipeProject(n) {
  const dir = path.join(work, `pipe-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  const [a, b] = grid(n);
  const list = (k) => `[${Array.from({ length: k }, (_, i) => i).join(", ")}]`;
  fs.writeFileSync(
    path.join(dir, "main.pipe"),
    [
      "action train(a: Int, b: Int) -> (score: Float) {",
      '  shell "echo ~{a}.~{b} > ~{out.score}"',
      "}",
      "action pick(scores: List[Float]) -> (best: Float) {",
      "  shell \"printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}\"",
      "}",
      "pipeline main() -> (best: Float) {",
      `  let runs = for a in ${list(a)}, b in ${list(b)} { train(a = a, b = b) }`,
      "  let p = pick(scores = runs.score)",
      "  return (best = p.best)",
      "}",
      "",
    ].join("\n"),
  );
  return dir;
}

function snakemakeProject(n) {
  const dir = path.join(work, `snakemake-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  const [a, b] = grid(n);
  fs.writeFileSync(
    path.join(dir, "Snakefile"),
    [
      `A = range(${a})`,
      `B = range(${b})`,
      "",
      "rule all:",
      '    input: "out/best.txt"',
      "",
      "rule train:",
      '    output: "out/train/{a}_{b}.txt"',
      '    shell: "echo {wildcards.a}.{wildcards.b} > {output}"',
      "",
      "rule pick:",
      '    input: expand("out/train/{a}_{b}.txt", a=A, b=B)',
      '    output: "out/best.txt"',
      '    shell: "cat {input} | sort -g | tail -1 > {output}"',
      "",
    ].join("\n"),
  );
  return dir;
}

/** Wall seconds and peak RSS (MiB, when /usr/bin/time is there) of one command. */
function measure(argv, cwd, timeoutS) {
  const cmd = hasTime ? ["/usr/bin/time", "-f", "BENCH_TIME %e %M %U %S", ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd, encoding: "utf8", maxBuffer: 1 << 30, timeout: timeoutS * 1000 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error?.code === "ETIMEDOUT" || r.signal) return { timedOut: true, s };
  const m = /BENCH_TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? "");
  if (r.status !== 0 && !(argv[0] === "node" && r.status === 3)) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${(r.stderr ?? "").slice(-2000)}`);
  return { s: m ? Number(m[1]) : s, mib: m ? Number(m[2]) / 1024 : undefined, cpu: m ? Number(m[3]) + Number(m[4]) : undefined, stdout: r.stdout };
}

/**
 * CPU seconds of this process's main thread alone (Linux): what its wall time would be on
 * an idle machine, garbage-collector helper threads aside.
 */
function mainThreadCpu() {
  try {
    const fields = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** Breakdown by phase, in one process: front end, compile, store lookup, plan JSON. */
async function phases(dir) {
  const { frontEnd } = await import(path.join(root, "dist", "phases.js"));
  const { nodeFileHost } = await import(path.join(root, "dist", "host.js"));
  const { compile } = await import(path.join(root, "dist", "plan", "index.js"));
  const { ContentHasher } = await import(path.join(root, "dist", "plan", "content-hash.js"));
  const { planStates } = await import(path.join(root, "dist", "plan", "state.js"));
  const { planToJson } = await import(path.join(root, "dist", "plan", "plan.js"));
  const out = {};
  let t = performance.now();
  let c = mainThreadCpu();
  const lap = (name) => {
    const now = performance.now();
    const cpu = mainThreadCpu();
    out[name] = { wall: (now - t) / 1000, cpu: cpu === undefined ? undefined : cpu - c };
    t = now;
    c = cpu;
  };
  const front = frontEnd(path.join(dir, "main.pipe"), nodeFileHost);
  lap("parse + check");
  const compiled = await compile(front.program, { entry: "main", params: new Map(), hasher: new ContentHasher() });
  lap("compile (expand + keys)");
  planStates(compiled.plan, path.join(dir, ".pipe", "store"));
  lap("store lookup");
  const json = planToJson(compiled.plan);
  lap("plan JSON");
  out.tasks = compiled.plan.tasks.length;
  out.jsonMiB = json.length / 2 ** 20;
  return out;
}

const fmtS = (s) => (s === undefined ? "-" : s >= 100 ? `${s.toFixed(0)} s` : `${s.toFixed(2)} s`);
const fmtM = (m) => (m === undefined ? "-" : m >= 1024 ? `${(m / 1024).toFixed(2)} GiB` : `${m.toFixed(0)} MiB`);

console.log(`plan compile benchmark — node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
console.log(`work dir: ${work}`);
console.log("times are wall clock; CPU is user + system of the process (all threads), steadier on a busy machine\n");

const rows = [];
for (const n of SIZES) {
  const pdir = pipeProject(n);
  const p = measure(["node", pipeBin, "plan", "main.pipe"], pdir, 600);
  const summary = (p.stdout ?? "").split("\n").find((l) => /to run, \d+ cached/.test(l)) ?? "";
  let sm;
  const wantSnakemake = hasSnakemake && (n <= 10000 || full);
  if (wantSnakemake) {
    const sdir = snakemakeProject(n);
    sm = measure(["snakemake", "-n", "--quiet", "-c1"], sdir, SNAKEMAKE_TIMEOUT_S);
  }
  rows.push({ n, pipe: p, summary, snakemake: sm });
  const ref = SNAKEMAKE_REFERENCE[n];
  const smText = sm
    ? sm.timedOut
      ? `timed out after ${fmtS(sm.s)}`
      : `${fmtS(sm.s)} (CPU ${fmtS(sm.cpu)}), ${fmtM(sm.mib)} (measured)`
    : ref
      ? `${fmtS(ref.s)}${ref.mib ? `, ${fmtM(ref.mib)}` : ""} (reference, not measured${!withSnakemake ? "" : hasSnakemake ? "; --full measures it" : "; snakemake not installed"})`
      : "not measured";
  console.log(`${String(n).padStart(7)} tasks  pipe plan: ${fmtS(p.s)} (CPU ${fmtS(p.cpu)}), ${fmtM(p.mib)} peak RSS  [${summary.trim()}]`);
  console.log(`${" ".repeat(14)}snakemake -n: ${smText}`);
}

const big = rows.find((r) => r.n === TARGET.tasks);
if (big) {
  console.log(`\nbreakdown at ${TARGET.tasks.toLocaleString("en")} tasks (one process, warm):`);
  const b = await phases(path.join(work, `pipe-${TARGET.tasks}`));
  let total = 0;
  for (const [k, v] of Object.entries(b)) {
    if (typeof v !== "object") continue;
    total += v.cpu ?? 0;
    console.log(`  ${k.padEnd(26)} ${fmtS(v.wall)} wall, ${fmtS(v.cpu)} main-thread CPU`);
  }
  console.log(`  ${"total main-thread CPU".padEnd(26)} ${fmtS(total)}`);
  console.log(`  ${"plan JSON size".padEnd(26)} ${b.jsonMiB.toFixed(0)} MiB (${b.tasks} tasks)`);
  console.log(`  ${"peak RSS of this process".padEnd(26)} ${fmtM(process.resourceUsage().maxRSS / 1024)}`);
  const ok = big.pipe.s < TARGET.seconds && (big.pipe.mib === undefined || big.pipe.mib < TARGET.mib);
  console.log(`\ntarget (< ${TARGET.seconds} s, < 1 GiB for ${TARGET.tasks.toLocaleString("en")} tasks, end to end): ${ok ? "met" : "MISSED"} — ${fmtS(big.pipe.s)}, ${fmtM(big.pipe.mib)}`);
}

if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
