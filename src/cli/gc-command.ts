// `pipe gc FILE... [--keep-runs N] [--dry-run] [--json]`: compiles every given program (all
// must compile, or nothing is deleted), then deletes from each store the entries none of the
// plans using it references (store/gc.ts: running work's entries are spared), and with
// `--keep-runs N` each project's run records older than its last N (run-storage.ts).
// It prints what it frees, in bytes.

import { ACTIVE_STATES, queueStates } from "../backends/slurm/queue.js";
import { pruneRuns, type PrunedRuns } from "../backends/local/prune-runs.js";
import { Diag } from "../diagnostics/catalog.js";
import { at } from "../diagnostics/diagnostic.js";
import { printable } from "../printable.js";
import { collectStore, type Collected } from "../store/index.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, type Io } from "./io.js";
import { printDiagnostics } from "./report.js";

export interface GcFlags extends PlanFlags {
  readonly keepRuns?: string;
  readonly dryRun?: boolean;
}

export async function gcCommand(files: readonly string[], flags: GcFlags, io: Io): Promise<number> {
  const keep = flags.keepRuns === undefined ? undefined : Number(flags.keepRuns);
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 0)) {
    io.err(`pipe: --keep-runs takes a whole number, 0 or more (got ${flags.keepRuns})\n`);
    return Exit.invalid;
  }
  // Every program first: a program that does not compile must not leave its results unreferenced.
  const stores = new Map<string, Set<string>>();
  const projects = new Set<string>();
  for (const file of files) {
    const built = await buildPlan(file, { ...flags, json: false }, io);
    if (!built) {
      io.err(`pipe: nothing was deleted: ${file} does not compile\n`);
      return Exit.invalid;
    }
    let keys = stores.get(built.config.storeDir);
    if (!keys) stores.set(built.config.storeDir, (keys = new Set()));
    for (const t of built.plan.tasks) keys.add(t.key);
    projects.add(built.projectDir);
  }
  const dryRun = Boolean(flags.dryRun);
  const collected: { store: string; result: Collected }[] = [];
  for (const [store, keys] of stores) {
    const result = await collectStore(store, keys, { dryRun, activeJobs: (ids) => activeSlurmJobs(ids, io) });
    if (result.kind === "busy") {
      printDiagnostics(io, [at(Diag.gcBusy(result.who), undefined, { hint: "wait for it to end, then run `pipe gc` again" })], new Map());
      return Exit.invalid;
    }
    collected.push({ store, result });
  }
  const pruned: { project: string; result: PrunedRuns }[] = keep === undefined ? [] : [...projects].map((project) => ({ project, result: pruneRuns(project, keep, dryRun) }));
  const sum = (xs: readonly { bytes: number }[]) => xs.reduce((n, x) => n + x.bytes, 0);
  const freed =
    collected.reduce((n, c) => n + (c.result.kind === "collected" ? sum(c.result.deleted) : 0), 0) + pruned.reduce((n, p) => n + sum(p.result.runs) + sum(p.result.plans), 0);

  if (flags.json) {
    io.out(JSON.stringify({ ok: true, dryRun, freedBytes: freed, stores: collected.map((c) => ({ store: c.store, ...c.result })), runs: pruned.map((p) => ({ project: p.project, ...p.result })) }, null, 1) + "\n");
    return Exit.ok;
  }
  const verb = dryRun ? "would delete" : "deleted";
  for (const { store, result } of collected) {
    if (result.kind !== "collected") continue;
    io.out(`${store}: ${verb} ${count(result.deleted.length, "entry", "entries")} (${bytes(sum(result.deleted))}); ${result.kept} referenced kept\n`);
    for (const e of result.deleted) io.out(`  - ${e.key}  ${bytes(e.bytes).padStart(14)}  ${e.task ? printable(e.task) : "(no record)"}\n`);
    if (result.spared.length) io.out(`  ${count(result.spared.length, "entry", "entries")} no plan references kept: running work needs ${result.spared.length === 1 ? "it" : "them"}\n`);
  }
  for (const { project, result } of pruned) {
    io.out(`${project}: ${verb} ${count(result.runs.length, "run record", "run records")} (${bytes(sum(result.runs))}) and ${count(result.plans.length, "plan", "plans")} (${bytes(sum(result.plans))})\n`);
    if (result.running.length) io.out(`  kept ${result.running.length} older that still run\n`);
  }
  io.out(`${dryRun ? "would free" : "freed"} ${bytes(freed)}\n`);
  return Exit.ok;
}

/** The jobs of `ids` still queued or running, by job id (an array's tasks by their array's); undefined when squeue cannot say. */
async function activeSlurmJobs(ids: readonly string[], io: Io): Promise<ReadonlySet<string> | undefined> {
  const { states, error } = await queueStates([...new Set(ids)], io.env);
  if (error) return undefined;
  const active = new Set<string>();
  for (const [id, q] of states) if (ACTIVE_STATES.has(q.state)) active.add(id.split("_")[0]!);
  return active;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const bytes = (n: number) => `${n.toLocaleString("en-US")} bytes`;
