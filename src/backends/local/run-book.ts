// The bookkeeping of one local run's record (records.ts): its directory with the plan, and
// `run.json` kept up to date while the run goes — each task's state, reason and attempts as the
// scheduler has them, and the details only the driver knows (its logs, times, exit code and
// peak memory). Saved at once at the start and the end, and at most every second between, for
// `pipe logs` and `pipe history` during the run (and after a run that was killed).

import fs from "node:fs";
import path from "node:path";
import type { Plan } from "../../plan/plan.js";
import type { RunDecision } from "../../plan/state.js";
import { finalRecord, savePlan } from "./run-storage.js";
import { createRunDir, writeRecord, type RunRecord, type RunTaskRecord } from "./records.js";
import type { State } from "./scheduler.js";

const SAVE_EVERY_MS = 1000;

/** What the driver records of a task's attempts. */
export type TaskDetails = Pick<RunTaskRecord, "stdout" | "stderr" | "start" | "end" | "durationMs" | "exitCode" | "peakRssKb">;

/** What the scheduler says of a task. */
export type TaskView = (id: string) => { readonly state: State; readonly reason?: string; readonly attempts: number };

export class RunBook {
  readonly id: string;
  readonly dir: string;
  private readonly header: RunRecord;
  private readonly details = new Map<string, TaskDetails>();
  /** Why each task runs, as the plan's states say. */
  private readonly planReasons = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly plan: Plan,
    projectDir: string,
    states: readonly RunDecision[],
    private readonly view: TaskView,
    started: Date,
    context: Pick<RunRecord, "params" | "commit"> = {},
  ) {
    ({ id: this.id, dir: this.dir } = createRunDir(projectDir, started));
    for (const sub of ["scripts", "logs"]) fs.mkdirSync(path.join(this.dir, sub), { recursive: true });
    savePlan(projectDir, plan, this.dir);
    for (const s of states) if (s.reason) this.planReasons.set(s.task.id, s.reason);
    this.header = { id: this.id, file: plan.file, entry: plan.entry, started: started.toISOString(), status: "running", pid: process.pid, ...context, tasks: [] };
    this.save();
  }

  detailsOf(id: string): TaskDetails {
    return this.details.get(id) ?? {};
  }

  /** Adds to (or, with `replace`, sets) what is recorded of a task's attempts. */
  note(id: string, details: TaskDetails, replace = false): void {
    this.details.set(id, replace ? details : { ...this.details.get(id), ...details });
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
    return { id, key, state, ...(why ? { reason: why } : {}), ...(attempts ? { attempts } : {}), ...this.details.get(id) };
  }
}
