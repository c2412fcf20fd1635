// `pipe expand-bundle DIR --loop ID`: what a Slurm bundle's expanding job runs on a compute
// node (backends/slurm/expand.ts). It plans the program again from the bundle's snapshot of
// its sources and parameters, the loop's list in the store now; refuses when a task of the
// bundle would get another key (the project changed since the emit); writes the tasks that
// appeared as the bundle's part `expand/NAME/`; and runs that part's submit.sh.

import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { readBundle, readBundleEnv } from "../backends/slurm/bundle.js";
import { emitSlurm } from "../backends/slurm/emit.js";
import { ENV_FILE, EXPAND_DIR, jobSafe, partDir, partsKnown, REPLAN_FILE, ReplanSchema } from "../backends/slurm/expand.js";
import type { SlurmConfig } from "../backends/slurm/directives.js";
import { nodeFileHost, relativePosix, type FileHost } from "../host.js";
import { ContentHasher } from "../plan/content-hash.js";
import { compile } from "../plan/index.js";
import { fromPlanValue, type Value } from "../plan/values.js";
import { frontEnd } from "../phases.js";
import { printable } from "../printable.js";
import { hashCacheFile } from "../store/index.js";
import { Exit, type Io } from "./io.js";
import { printDiagnostics } from "./report.js";

const LOCK_WAIT_MS = 120_000;

export async function expandBundleCommand(dir: string, loop: string, io: Io): Promise<number> {
  const root = path.resolve(io.cwd, dir);
  const fail = (message: string, code: number = Exit.invalid) => {
    io.err(`pipe: ${message}\n`);
    return code;
  };
  let replan;
  try {
    replan = ReplanSchema.parse(JSON.parse(fs.readFileSync(path.join(root, REPLAN_FILE), "utf8")));
  } catch (error) {
    return fail(`${path.join(root, REPLAN_FILE)}: ${(error as Error).message}`);
  }
  const env = readBundleEnv(root);
  if (!env.ok) return fail(env.error);
  const project = path.resolve(root, env.value["PIPE_PROJECT"] ?? ".");
  const store = path.resolve(root, env.value["PIPE_STORE"] ?? ".pipe/store");

  // The program as it was when the bundle was written; other files (inputs, the standard library) as they are.
  const snapshot = replan.sources;
  const host: FileHost = {
    readFile: (file, max) => (relativePosix(project, file) in snapshot ? { ok: true, text: snapshot[relativePosix(project, file)]! } : nodeFileHost.readFile(file, max)),
    kind: (file) => (relativePosix(project, file) in snapshot ? "file" : nodeFileHost.kind(file)),
  };
  const front = frontEnd(path.join(project, replan.file), host);
  if (!front.program) {
    printDiagnostics(io, front.diagnostics, front.sources);
    return Exit.invalid;
  }
  const program = front.program;
  const entry = program.pipelines.get(program.entryPipelines.get(replan.entry) ?? "");
  if (!entry) return fail(`the bundle's entry pipeline \`${replan.entry}\` is gone from its sources`);
  const params = new Map<string, Value>();
  for (const p of entry.params) if (p.name in replan.params) params.set(p.name, fromPlanValue(replan.params[p.name]!, p.type));
  const compiled = await compile(program, { entry: replan.entry, params, hasher: new ContentHasher(hashCacheFile(project)), storeDir: store });
  if (!compiled.plan) {
    printDiagnostics(io, compiled.diagnostics, front.sources);
    return Exit.failed;
  }
  const plan = compiled.plan;
  if (plan.pending?.some((p) => p.id === loop)) return fail(`the loop ${printable(loop)} waits on a list that is not in the store`, Exit.failed);

  const rootBundle = readBundle(root);
  if (!rootBundle.ok) return fail(rootBundle.error);
  const keyOf = new Map(plan.tasks.map((t) => [t.id, t.key]));
  const moved = rootBundle.value.jobs.flatMap((j) => j.tasks).find((t) => keyOf.has(t.id) && keyOf.get(t.id) !== t.key);
  if (moved) return fail(`${printable(moved.id)} has another key than when the bundle was written (a file its key covers changed): emit the bundle again`);

  const part = partDir(loop);
  const target = path.join(root, part);
  const lock = path.join(root, EXPAND_DIR, ".lock");
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  // Parts are written one at a time: each takes the tasks no other part has.
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || Date.now() > until) return fail(`cannot take ${lock}: ${(error as Error).message}`, Exit.failed);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const known = partsKnown(root, part);
    const ids = new Set(plan.tasks.filter((t) => !known.tasks.has(t.id)).map((t) => t.id));
    const prefix = `${jobSafe(loop).slice(0, 24)}-${crypto.createHash("sha256").update(loop).digest("hex").slice(0, 4)}.`;
    const emitted = emitSlurm(plan, replan.slurm as SlurmConfig, { ids, prefix, root: "../..", jobOf: known.jobOf, loopsElsewhere: known.loops });
    for (const sub of ["jobs", "tasks"]) fs.rmSync(path.join(target, sub), { recursive: true, force: true });
    for (const sub of ["jobs", "logs"]) fs.mkdirSync(path.join(target, sub), { recursive: true });
    for (const [file, content] of emitted.files) fs.writeFileSync(path.join(target, file), content, { mode: file.endsWith(".sh") ? 0o755 : 0o644 });
    fs.copyFileSync(path.join(root, ENV_FILE), path.join(target, ENV_FILE));
    io.out(`expanded ${printable(loop)}: ${ids.size} tasks in ${emitted.bundle.jobs.length} jobs, ${emitted.bundle.expands?.length ?? 0} expanding jobs (${part})\n`);
  } finally {
    fs.rmdirSync(lock);
  }
  const submitted = spawnSync("bash", [path.join(target, "submit.sh"), "--ignore-changes"], { cwd: target, encoding: "utf8" });
  io.out(submitted.stdout ?? "");
  io.err(submitted.stderr ?? "");
  return submitted.status ?? Exit.failed;
}
