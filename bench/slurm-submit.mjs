#!/usr/bin/env node
// Benchmark of the Slurm bundle on the local test Slurm (test/slurm/start-slurm.sh): a
// 5,000-task sweep (50 × 100) with a fan-in over all of it is emitted, then submitted with
// the bundle's submit.sh. Prints the number of sbatch calls (a PATH shim logs each call,
// then runs the real sbatch), the submit time (target: at most 10 calls, under 10 s), the
// time of one `pipe status` and of `pipe cancel`, then cancels everything so the cluster
// is left idle. Uses dist/: run `npm run build` first.
//
//   node bench/slurm-submit.mjs [--a 50] [--b 100] [--keep]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, option, pipeBin, requireBuild, root } from "./common.mjs";

const A = option("--a", 50);
const B = option("--b", 100);

requireBuild();

/** Runs a command; returns its wall time in seconds and its output; throws when it fails. */
function timed(file, argv, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && !(file === pipeBin && argv[0] === "status" && r.status === 1)) {
    throw new Error(`${file} ${argv.join(" ")} exited ${r.status}:\n${r.stderr}`);
  }
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

const fmt = (s) => `${s.toFixed(2)} s`;

const slurm = spawnSync("bash", [path.join(root, "test/slurm/start-slurm.sh")], { encoding: "utf8" });
if (slurm.status !== 0) {
  console.error(`bench: no Slurm: ${slurm.stderr.trim().split("\n").pop()}`);
  process.exit(1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-slurm-"));
const proj = path.join(work, "proj");
const bundle = path.join(work, "bundle");
fs.mkdirSync(proj);
const list = (n) => Array.from({ length: n }, (_, i) => i).join(", ");
fs.writeFileSync(
  path.join(proj, "main.pipe"),
  [
    "action train(a: Int, b: Int) -> (score: Float) {",
    '  shell "echo ~{a}.~{b} > ~{out.score}"',
    "}",
    "action pick(scores: List[Float]) -> (best: Float) {",
    "  shell \"printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}\"",
    "}",
    "pipeline main() -> (best: Float) {",
    `  let runs = for a in [${list(A)}], b in [${list(B)}] { train(a = a, b = b) }`,
    "  let p = pick(scores = runs.score)",
    "  return (best = p.best)",
    "}",
    "",
  ].join("\n"),
);
// Jobs share the node's cores, as the tests do (a 2-CPU node).
fs.writeFileSync(path.join(proj, "pipe.config.json"), JSON.stringify({ store: "../store", slurm: { extraArgs: ["--oversubscribe"] } }) + "\n");

const shims = path.join(work, "bin");
const log = path.join(work, "sbatch.log");
const realSbatch = spawnSync("bash", ["-c", "command -v sbatch"], { encoding: "utf8" }).stdout.trim();
fs.mkdirSync(shims);
fs.writeFileSync(path.join(shims, "sbatch"), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realSbatch}' "$@"\n`, { mode: 0o755 });
const shimEnv = { PATH: `${shims}:${process.env.PATH}` };

const tasks = A * B + 1;
console.log(`slurm bundle benchmark: ${A * B}-task sweep + fan-in (${tasks} tasks)`);
try {
  const emit = timed(pipeBin, ["emit", "slurm", path.join(proj, "main.pipe"), "-o", bundle]);
  console.log(`  emit (compile + write the bundle)   ${fmt(emit.seconds)}   ${emit.stdout.split("\n")[0]}`);
  const submit = timed("bash", [path.join(bundle, "submit.sh")], shimEnv);
  const calls = fs.readFileSync(log, "utf8").split("\n").filter(Boolean).length;
  console.log(`  submit (bash submit.sh)             ${fmt(submit.seconds)}   ${calls} sbatch calls   (target: <= 10 calls, < 10 s)`);
  console.log(`                                      ${submit.stdout.trim().split("\n").pop()}`);
  const status = timed(pipeBin, ["status", bundle]);
  console.log(`  pipe status (one squeue call)       ${fmt(status.seconds)}   ${status.stdout.trim().split("\n").pop()}`);
  fs.rmSync(log);
  const resubmit = timed("bash", [path.join(bundle, "submit.sh")], shimEnv);
  const recalls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0;
  console.log(`  submit again while queued           ${fmt(resubmit.seconds)}   ${recalls} sbatch calls`);
} finally {
  if (fs.existsSync(path.join(bundle, "jobs.tsv"))) {
    const cancel = timed(pipeBin, ["cancel", bundle]);
    console.log(`  pipe cancel (one scancel call)      ${fmt(cancel.seconds)}`);
  }
  if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`  kept ${work}`);
}
