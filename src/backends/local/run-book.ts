// The bookkeeping of one local run's record (records.ts): its directory with the plan, and
// `run.json` kept up to date while the run goes — each task's state, reason and attempts as the
// scheduler has them, and the details only the driver knows (its logs, and each attempt's
// allocation, times, exit code and peak memory). Saved at once at the start and the end, and at most every second between, for
// `pipe logs` and `pipe history` during the run (and after a run that was killed).

import fs from "node:fs";
import path from "node:path";
import type { Plan } from "../../plan/plan.js";
import type { RunDecision } from "../../plan/state.js";
import type { AttemptResources } from "../../plan/resources.js";
import { finalRecord, savePlan } from "./run-storage.js";
import { createRunDir, writeRecord, type AttemptRecord, type RunRecord, type RunTaskRecord } from "./records.js";
import type { State } from "./scheduler.js";

const SAVE_EVERY_MS = 1000;

/** What the driver records of a task: its logs. */
export type TaskDetails = Pick<RunTaskRecord, "stdout" | "stderr">;

/** What the driver records of an attempt as it goes. */
export type AttemptDetails = Partial<Pick<AttemptRecord, "state" | "start" | "end" | "durationMs" | "exitCode" | "peakRssKb">>;

/** What the scheduler says of a task. */
export type TaskView = (id: string) => { readonly state: State; readonly reason?: string; readonly attempts: number };

export class RunBook {
  readonly id: string;
  readonly dir: string;
  /** The hash of the run's first plan as kept in `.pipe/plans` (run-storage.ts). */
  readonly planHash: string;
  private readonly header: RunRecord;
  private readonly details = new Map<string, TaskDetails>();
  private readonly tries = new Map<string, AttemptRecord[]>();
  /** Why each task runs, as the plan's states say. */
  private readonly planReasons = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private plan: Plan,
    private readonly projectDir: string,
    states: readonly RunDecision[],
    private readonly view: TaskView,
    started: Date,
    context: Pick<RunRecord, "params" | "commit"> = {},
    knownPlanHash?: string,
  ) {
    ({ id: this.id, dir: this.dir } = createRunDir(projectDir, started));
    // A run with nothing to run makes no folders for scripts and logs, and its record starts small.
    const idle = !plan.pending?.length && states.every((s) => !s.run);
    if (!idle) for (const sub of ["scripts", "logs"]) fs.mkdirSync(path.join(this.dir, sub), { recursive: true });
    this.planHash = savePlan(projectDir, plan, this.dir, knownPlanHash);
    for (const s of states) if (s.reason) this.planReasons.set(s.task.id, s.reason);
    this.header = { id: this.id, file: plan.file, entry: plan.entry, started: started.toISOString(), status: "running", pid: process.pid, ...context, tasks: [] };
    if (idle) writeRecord(this.dir, { ...this.header, cachedOnly: states.length });
    else this.save();
  }

  /** The plan grew (a dynamic loop was expanded): `states` are its new tasks'. */
  extend(plan: Plan, states: readonly RunDecision[]): void {
    this.plan = plan;
    for (const s of states) if (s.reason) this.planReasons.set(s.task.id, s.reason);
    // plan.json is a link to the kept plan (run-storage.ts): the grown plan is another one.
    fs.rmSync(path.join(this.dir, "plan.json"), { force: true });
    savePlan(this.projectDir, plan, this.dir);
  }

  detailsOf(id: string): TaskDetails {
    return this.details.get(id) ?? {};
  }

  /** Adds to (or, with `replace`, sets) what is recorded of a task's attempts. */
  note(id: string, details: TaskDetails, replace = false): void {
    this.details.set(id, replace ? details : { ...this.details.get(id), ...details });
  }

  /** An attempt is handed to a launcher with this allocation. */
  beginAttempt(id: string, attempt: number, given: AttemptResources): void {
    const list = this.tries.get(id) ?? [];
    list.push({ attempt, state: "running", cpus: given.cpus, memMb: given.memMb, timeS: given.timeS });
    this.tries.set(id, list);
  }

  /** Adds to what is recorded of the task's current attempt. */
  noteAttempt(id: string, details: AttemptDetails): void {
    const list = this.tries.get(id);
    if (!list?.length) return;
    list[list.length - 1] = { ...list[list.length - 1]!, ...details };
  }

  /** The current attempt never ran (dropped as the run stopped): it leaves no line. */
  dropAttempt(id: string): void {
    this.tries.get(id)?.pop();
  }

  record(): RunRecord {
    return { ...this.header, tasks: this.plan.tasks.map((t) => this.task(t.id, t.key)) };
  }

  save(): void {
    writeRecord(this.dir, this.record());
  }

  saveSoon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, SAVE_EVERY_MS);
  }

  /** The last save, with the run's status and end. */
  close(status: RunRecord["status"], ended: Date): RunRecord {
    clearTimeout(this.timer);
    this.header.status = status;
    this.header.ended = ended.toISOString();
    const record = this.record();
    writeRecord(this.dir, finalRecord(record, this.dir));
    return record;
  }

  private task(id: string, key: string): RunTaskRecord {
    const { state, reason, attempts } = this.view(id);
    const why = reason ?? this.planReasons.get(id);
    const tries = this.tries.get(id);
    const last = tries?.[tries.length - 1];
    const latest = last ? pickDefined({ start: last.start, end: last.end, durationMs: last.durationMs, exitCode: last.exitCode, peakRssKb: last.peakRssKb }) : {};
    return { id, key, state, ...(why ? { reason: why } : {}), ...(attempts ? { attempts } : {}), ...this.details.get(id), ...latest, ...(tries?.length ? { tries: [...tries] } : {}) };
  }
}

function pickDefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What IdleBook needs of a plan: its file, entry and number of tasks (plan/plan-cache.ts's NoopSummary). */
export interface IdlePlan {
  readonly file: string;
  readonly entry: string;
  readonly tasks: number;
}

/**
 * The record of a run of a kept plan whose every task is in the store: what RunBook leaves
 * for a run with nothing to run, made from the tasks' ids and keys. `planOf` makes the plan
 * only when its file in `.pipe/plans` has to be written again.
 */
export class IdleBook {
  readonly id: string;
  readonly dir: string;
  readonly planHash: string;
  private readonly header: RunRecord;

  constructor(
    private readonly plan: IdlePlan,
    projectDir: string,
    planOf: () => Plan,
    started: Date,
    context: Pick<RunRecord, "params" | "commit"> = {},
    knownPlanHash?: string,
  ) {
    ({ id: this.id, dir: this.dir } = createRunDir(projectDir, started));
    this.planHash = savePlan(projectDir, planOf, this.dir, knownPlanHash);
    this.header = { id: this.id, file: plan.file, entry: plan.entry, started: started.toISOString(), status: "running", pid: process.pid, ...context, tasks: [] };
    writeRecord(this.dir, { ...this.header, cachedOnly: plan.tasks });
  }

  /** The record as RunBook's `finalRecord` leaves it for a run that ran nothing: no task table, their number. */
  close(status: RunRecord["status"], ended: Date): RunRecord {
    this.header.status = status;
    this.header.ended = ended.toISOString();
    const record: RunRecord = { ...this.header, cachedOnly: this.plan.tasks };
    writeRecord(this.dir, record);
    return record;
  }
}
