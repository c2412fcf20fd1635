// The local backend's entry: `runPlan(options)` runs a plan's task scripts on this machine.
// It respects the DAG, `--jobs`, and the cpus, memory and GPUs tasks request; skips cached
// tasks; retries; stops at the first failure (or keeps going); terminates whole process
// groups on failure or interrupt; and records everything under `.pipe/runs/<run-id>/`.
// Before a task goes to a launcher, the files its key covers are checked (verify-inputs.ts):
// a changed one fails the task, unretried, with nothing stored.
//
// Every rule of what runs when is the scheduler's (scheduler.ts, no I/O); the driver
// (driver.ts) carries out its decisions and tells it what came of them; the run's record is
// kept by run-book.ts. This file wires them together for one run. A run with nothing to run
// (every task cached, no dynamic loop left) needs no driver: it checks the store, leaves its
// small record and ends without loading the launchers, the task scripts, the input checks or
// the store's writers. A kept plan whose every task may be cached (plan/plan-cache.ts's
// NoopSummary) is checked by `runKept` from its keys alone, without the plan.

import fs from "node:fs";
import path from "node:path";
import type { Plan } from "../../plan/plan.js";
import { planStates, runsAnyway } from "../../plan/state.js";
import type { Reporter } from "./events.js";
import type { ExpansionFailure, Replan } from "./driver.js";
import { summaryKeys, type NoopSummary } from "../../plan/plan-cache.js";
import type { RunRecord } from "./records.js";
import { IdleBook, RunBook } from "./run-book.js";
import { plansDir } from "./run-storage.js";
import { neverFit, Scheduler, type LocalLimits } from "./scheduler.js";
import { allInStore } from "../../store/layout.js";
import { registerNeeds, whileCollecting } from "../../store/needs.js";
import { removeStaleWork } from "../../store/stale-work.js";

export type { LocalLimits } from "./scheduler.js";

export interface RunOptions {
  readonly plan: Plan;
  /** Plans again once a dynamic loop's list is in the store (the compiler, reading the store). */
  readonly replan?: Replan;
  readonly storeDir: string;
  readonly projectDir: string;
  /** The pipe installation, for TypeScript actions' runner. */
  readonly pipeHome: string;
  readonly limits: LocalLimits;
  readonly force: readonly string[];
  readonly keepGoing: boolean;
  readonly reporter: Reporter;
  readonly signal: AbortSignal;
  /** Once aborted (a second interrupt), running tasks are killed without their grace period. */
  readonly urgent?: AbortSignal;
  readonly now?: () => Date;
  /** What the compile that made the plan found at each input path (ContentHasher.seen): large files still as they were are not read again. */
  readonly seen?: ReadonlyMap<string, fs.BigIntStats>;
  /** Where the run came from, for its record: non-default parameters, git commit. */
  readonly context?: Pick<RunRecord, "params" | "commit">;
  /** The hash of the plan's file in `.pipe/plans` when a run of the same kept plan found it (run-storage.ts). */
  readonly planHash?: string;
}

export interface RunOutcome {
  readonly runDir: string;
  readonly record: RunRecord;
  /** The plan at the end: the first, with every dynamic loop expanded during the run. */
  readonly plan: Plan;
  readonly expansionFailures: readonly ExpansionFailure[];
  /** The hash of the first plan's file in `.pipe/plans`. */
  readonly planHash: string;
}

/** Tasks that can never fit this machine: reported before anything starts. */
export function unfittable(plan: Plan, limits: LocalLimits): string[] {
  return neverFit(plan.tasks, limits);
}

/** Whether every task of a kept plan fits this machine, from the most any of them asks (NoopSummary's `most`). */
export function fitsAll(most: NoopSummary["most"], limits: LocalLimits): boolean {
  return neverFit([{ id: "", deps: [], retries: 0, resources: most }], limits).length === 0;
}

export interface KeptRunOptions extends Pick<RunOptions, "storeDir" | "projectDir" | "reporter" | "signal" | "now" | "context" | "planHash"> {
  readonly summary: NoopSummary;
  /** The plan itself, asked for only should its file in `.pipe/plans` go while the run links it. */
  readonly planOf: () => Plan;
}

/**
 * A run of a kept plan with no task to force, when every task is in the store: its keys are
 * kept from `pipe gc` and looked up as `runPlan` does, and the run ends as `runPlan`'s would.
 * Undefined, with nothing reported or recorded, when a key is missing, the plan's file in
 * `.pipe/plans` is not known to be there, or the run is interrupted: then `runPlan` runs the
 * plan.
 */
export async function runKept(options: KeptRunOptions): Promise<Omit<RunOutcome, "plan" | "expansionFailures"> | undefined> {
  const { summary, storeDir, reporter } = options;
  if (options.signal.aborted || options.planHash === undefined || !fs.existsSync(path.join(plansDir(options.projectDir), `${options.planHash}.json`))) return undefined;
  const releaseNeeds = registerNeeds(storeDir, summaryKeys(summary));
  try {
    await whileCollecting(storeDir, options.signal);
    if (options.signal.aborted) return undefined;
    if (!allInStore(storeDir, summaryKeys(summary))) return undefined;
    const now = options.now ?? (() => new Date());
    const book = new IdleBook(summary, options.projectDir, options.planOf, now(), options.context, options.planHash);
    const total = summary.tasks;
    reporter.event({ type: "plan", total, toRun: 0, cached: total });
    if (!reporter.ignoresCached) for (const id of JSON.parse(summary.ids) as string[]) reporter.event({ type: "cached", task: id });
    removeStaleWork(storeDir);
    const record = book.close("ok", now());
    reporter.close();
    return { runDir: book.dir, record, planHash: book.planHash };
  } finally {
    releaseNeeds();
  }
}

export async function runPlan(options: RunOptions): Promise<RunOutcome> {
  // Every key of the plan is this run's to keep from `pipe gc` (store/needs.ts), said before
  // the store is asked what is cached.
  const releaseNeeds = registerNeeds(options.storeDir, options.plan.tasks.map((t) => t.key));
  try {
    await whileCollecting(options.storeDir, options.signal);
    return await runRegistered(options);
  } finally {
    releaseNeeds();
  }
}

const CACHED = { state: "cached", attempts: 0 } as const;

async function runRegistered(options: RunOptions): Promise<RunOutcome> {
  const { plan, storeDir, limits, reporter } = options;
  const now = options.now ?? (() => new Date());
  const states = planStates(plan, storeDir, options.force);
  const toRun = states.filter((s) => s.run).length;
  if (toRun === 0 && !plan.pending?.length && !options.signal.aborted) {
    // Nothing to schedule: every task is as the store has it.
    const book = new RunBook(plan, options.projectDir, states, () => CACHED, now(), options.context, options.planHash);
    reporter.event({ type: "plan", total: states.length, toRun, cached: states.length });
    for (const s of states) reporter.event({ type: "cached", task: s.task.id });
    // What dead runs left in the store's .tmp goes with any run, one that runs nothing too.
    removeStaleWork(storeDir);
    const record = book.close("ok", now());
    reporter.close();
    return { runDir: book.dir, record, plan, expansionFailures: [], planHash: book.planHash };
  }
  const scheduler = new Scheduler(states, limits, options.keepGoing);
  const book = new RunBook(plan, options.projectDir, states, (id) => scheduler.state(id), now(), options.context, options.planHash);
  reporter.event({ type: "plan", total: states.length, toRun, cached: states.length - toRun });
  for (const s of states) if (!s.run) reporter.event({ type: "cached", task: s.task.id });

  const [{ Driver }, { InputVerifier, REMEDY }] = await Promise.all([import("./driver.js"), import("../../plan/verify-inputs.js")]);

  const driver = new Driver(
    {
      plan,
      ...(options.replan ? { replan: options.replan } : {}),
      force: options.force,
      limits,
      storeDir,
      projectDir: options.projectDir,
      env: { ...process.env, PIPE_STORE: storeDir, PIPE_PROJECT: options.projectDir, PIPE_HOME: options.pipeHome },
      gpus: limits.gpus.length > 0,
      forced: new Set(runsAnyway(plan, options.force).keys()),
      reporter,
      verifier: new InputVerifier(options.projectDir, REMEDY.local, options.seen),
      now,
    },
    scheduler,
    book,
  );
  removeStaleWork(storeDir);
  const onAbort = () => driver.interrupt(false);
  const onUrgent = () => driver.interrupt(true);
  options.signal.addEventListener("abort", onAbort);
  options.urgent?.addEventListener("abort", onUrgent);
  if (options.signal.aborted) driver.interrupt(false);
  driver.pump();
  await driver.over;
  options.signal.removeEventListener("abort", onAbort);
  options.urgent?.removeEventListener("abort", onUrgent);
  await driver.close();
  const status = scheduler.end();
  const record = book.close(status, now());
  reporter.close();
  return { runDir: book.dir, record, plan: driver.plan, expansionFailures: driver.expansionFailures, planHash: book.planHash };
}
