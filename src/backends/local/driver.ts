// The local backend's driver: the I/O of a run whose every decision the scheduler makes
// (scheduler.ts). It carries out those decisions — takes the key's lock (or waits on another
// run's, polling), checks the files the key covers, makes the work directory, hands the task to
// a launcher (launcher.ts) — and tells the scheduler what came of them; it samples memory,
// commits results (finish.ts), keeps the run record (run-book.ts), reports events, and
// terminates whole process groups when the run stops. When the scheduler says to expand a
// dynamic loop, it plans again (`replan`, the compiler reading the loop's list from the
// store) and hands the scheduler the tasks that appeared; loops that become ready while a
// plan is being made are expanded by the next one, all together.

import fs from "node:fs";
import path from "node:path";
import type { Plan, Task } from "../../plan/plan.js";
import { printable } from "../../printable.js";
import { outputCheckScript, runnerScript, taskScript } from "../../plan/script.js";
import { INPUTS_CHANGED_STATUS, REMEDY, type InputVerifier } from "../../plan/verify-inputs.js";
import type { Reporter } from "./events.js";
import { Launchers, type Launcher } from "./launcher.js";
import { ScratchDirs } from "./scratch.js";
import { entryDir, finishResult, inStore, KeyLocks, registerNeeds, storedAs, tmpDir, workDir, type LockOwner } from "../../store/index.js";
import { MemorySampler } from "./memory.js";
import { inputAssignment, structuredOutputsProblem, type StructuredInput } from "../../store/structured.js";
import { taskFileName } from "./records.js";
import type { RunBook, TaskDetails } from "./run-book.js";
import { neverFit, type Decision, type LocalLimits, type Scheduler, type StopReason } from "./scheduler.js";
import { planStates } from "../../plan/state.js";

/** Plans the program again, the store as it is now: the whole plan, or why it cannot be made (rendered diagnostics). */
export type Replan = () => Promise<{ readonly plan: Plan } | { readonly error: string }>;

/** A dynamic loop that could not be expanded, and why. */
export interface ExpansionFailure {
  readonly loop: string;
  readonly message: string;
}

const KILL_GRACE_MS = 5000;
const LOCK_POLL_MS = 250;

export interface DriverOptions {
  readonly plan: Plan;
  /** How to plan again once a dynamic loop's list is in the store; without it such a loop fails. */
  readonly replan?: Replan;
  /** `--force` patterns, for the tasks an expansion adds. */
  readonly force: readonly string[];
  readonly limits: LocalLimits;
  readonly storeDir: string;
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Whether the run configures GPUs (then every task gets a CUDA_VISIBLE_DEVICES). */
  readonly gpus: boolean;
  /** Tasks that run although their key may be in the store: a result found there is not theirs. */
  readonly forced: Set<string>;
  readonly reporter: Reporter;
  readonly verifier: InputVerifier;
  readonly now: () => Date;
}

/** A task handed to a launcher. */
interface Running {
  readonly launcher: Launcher;
  /** The task's pid and process group, once its launcher has started it. */
  pgid?: number;
  /** Set when the task is to be terminated: at once if it runs, else as soon as it starts. */
  terminate?: true;
  killTimer?: NodeJS.Timeout;
  /** Why the task was not started: a file its key covers changed (never retried). */
  refused?: string | undefined;
  /** Its command's scratch directory, `$PIPE_WORK`, once lent. */
  scratch?: string;
}

/** A task's files in the run directory, and its work directory. */
interface Files {
  readonly name: string;
  readonly script: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly work: string;
}

export class Driver {
  private readonly running = new Map<string, Running>();
  private readonly lockTimers = new Map<string, NodeJS.Timeout>();
  private readonly locks: KeyLocks;
  private readonly launchers: Launchers;
  private readonly scratches: ScratchDirs;
  private readonly memory = new MemorySampler();
  /** Upstream structured values, read in-process when a task's script is written (its upstream tasks have run). */
  private readonly readStructured = (inputs: readonly StructuredInput[]): string[] => inputs.map((i) => inputAssignment({ ...i, file: path.join(this.options.storeDir, i.file) }));
  /** Clean-ups done off the critical path, awaited before the run returns. */
  private readonly cleanups: Promise<unknown>[] = [];
  private workCount = 0;
  private pumping = false;
  /** The plan as it is now: the first, then each expansion's. */
  plan: Plan;
  readonly expansionFailures: ExpansionFailure[] = [];
  /** Loops to expand by the next plan, and whether a plan is being made. */
  private readonly toExpand = new Set<string>();
  private replanning = false;
  /** Releases of the keys expansions added to what the run keeps from `pipe gc` (store/needs.ts). */
  private readonly needs: (() => void)[] = [];
  private done!: () => void;
  /** Resolved once the scheduler says the run is over. */
  readonly over = new Promise<void>((resolve) => (this.done = resolve));

  constructor(
    private readonly options: DriverOptions,
    private readonly scheduler: Scheduler<Task>,
    private readonly book: RunBook,
  ) {
    this.plan = options.plan;
    this.watchLoops(options.plan);
    this.locks = new KeyLocks(options.storeDir, book.id);
    this.scratches = new ScratchDirs(options.storeDir, (removal) => this.later(removal));
    this.launchers = new Launchers(book.dir, options.projectDir, options.env, () => !scheduler.stopped, (pids) => this.locks.setLaunchers(pids));
    // Work directories are made here rather than by each script (see PIPE_OUT in script.ts):
    // a process less per task, and pipe knows what to clean up after a task that was killed.
    fs.mkdirSync(tmpDir(options.storeDir), { recursive: true });
  }

  /** Carries out what the scheduler decides until it waits on something; resolves `over` once the run is. */
  pump(): void {
    this.pumping = false;
    for (let d = this.scheduler.next(); d; d = this.scheduler.next()) this.carryOut(d);
    if (this.scheduler.over) this.done();
  }

  /**
   * Pumps once the current callback has returned: a launcher whose task failed decides what
   * it runs next (`go` or `drop`) only after the task's `ended`, and must not be given a task
   * before.
   */
  pumpSoon(): void {
    if (this.pumping) return;
    this.pumping = true;
    queueMicrotask(() => this.pump());
  }

  /** An interrupt: the run stops; `urgent` (a second one) kills running tasks without their grace period. */
  interrupt(urgent: boolean): void {
    if (this.scheduler.interrupt()) this.stopped("interrupt");
    if (urgent) {
      if (this.running.size > 0) this.options.reporter.event({ type: "stopping", reason: "kill" });
      for (const r of this.running.values()) kill(r);
    }
    this.pumpSoon();
  }

  /** Once `over`: ends the launchers, lets the locks go and waits for the clean-ups. */
  async close(): Promise<void> {
    this.launchers.close();
    this.scratches.close();
    this.locks.releaseAll();
    await Promise.all(this.cleanups);
    for (const release of this.needs.splice(0)) release();
  }

  private later(...work: Promise<unknown>[]): void {
    for (const w of work) this.cleanups.push(w.catch(() => {}));
  }

  private stopped(reason: StopReason): void {
    // Before anything else: a launcher starts a queued task without asking.
    this.launchers.stopAll();
    if (this.scheduler.pending > 0) this.options.reporter.event({ type: "stopping", reason });
    for (const t of this.lockTimers.values()) clearTimeout(t);
    this.lockTimers.clear();
    for (const r of this.running.values()) terminate(r);
  }

  /** Takes the key's lock, unless another run holds it or has computed the key meanwhile, then hands the task over. */
  private carryOut(d: Decision<Task>): void {
    if (d.kind === "expand") return this.expand(d.loop);
    const { task } = d;
    const launcher = d.kind === "queue" ? this.running.get(d.behind)!.launcher : this.launchers.take();
    // A lock that cannot be written (a full disk) fails the task in `launch`, as a work directory would.
    let lockError: unknown;
    let owner: LockOwner | undefined;
    try {
      owner = this.locks.holds(task.key) ? undefined : this.locks.acquire(task.key);
    } catch (error) {
      lockError = error;
    }
    if (owner) {
      this.launchers.giveBack(launcher);
      this.scheduler.lockBusy(task.id);
      this.options.reporter.event({ type: "waiting", task: task.id, holder: `run ${owner.run} (pid ${owner.pid} on ${owner.host})` });
      return this.pollLock(task);
    }
    if (lockError === undefined && !this.options.forced.has(task.id) && inStore(this.options.storeDir, task.key)) {
      this.launchers.giveBack(launcher);
      this.locks.release(task.key);
      return this.computedElsewhere(task);
    }
    this.launch(task, launcher, d.kind === "start" ? d.gpus : [], lockError);
  }

  /** The dynamic loops of `plan` whose lists are outputs of its tasks: the scheduler expands each once those have run. */
  private watchLoops(plan: Plan): void {
    for (const p of plan.pending ?? []) {
      if (p.kind === "loop" && p.over.length && !p.after.length) this.scheduler.addExpansion(p.id, [...new Set(p.over.map((o) => o.task))]);
    }
  }

  private expand(loop: string): void {
    this.toExpand.add(loop);
    if (this.replanning) return;
    this.replanning = true;
    this.later(this.replanLoop());
  }

  /** Plans again while loops wait to be expanded; each plan covers every loop that waited when it began. */
  private async replanLoop(): Promise<void> {
    try {
      while (this.toExpand.size) {
        const loops = [...this.toExpand];
        this.toExpand.clear();
        let result: Awaited<ReturnType<Replan>>;
        try {
          result = this.options.replan ? await this.options.replan() : { error: "this run cannot plan dynamic loops" };
        } catch (error) {
          result = { error: (error as Error).message };
        }
        if ("error" in result) for (const loop of loops) this.expansionFailed(loop, result.error);
        else this.adopt(loops, result.plan);
        this.pumpSoon();
      }
    } finally {
      this.replanning = false;
    }
  }

  /** Takes the plan an expansion made: its new tasks go to the scheduler, its new dynamic loops are watched. */
  private adopt(loops: readonly string[], plan: Plan): void {
    const { reporter, storeDir } = this.options;
    const keyOf = new Map(this.plan.tasks.map((t) => [t.id, t.key]));
    const changed = plan.tasks.find((t) => keyOf.has(t.id) && keyOf.get(t.id) !== t.key);
    if (changed) {
      for (const loop of loops) this.expansionFailed(loop, `${printable(changed.id)} has another key than when the run began: a file the plan covers changed during the run; run again`);
      return;
    }
    const stillPending = new Set((plan.pending ?? []).map((p) => p.id));
    const added = plan.tasks.filter((t) => !this.scheduler.has(t.id));
    const unfit = neverFit(added, this.options.limits);
    const failed = loops.filter((l) => stillPending.has(l) || unfit.length);
    for (const loop of failed) this.expansionFailed(loop, unfit.length ? unfit.join("; ") : `its list is still not in the store`);
    if (unfit.length) return;
    // The new keys are the run's to keep from `pipe gc` too, said before the store is asked.
    if (added.length) this.needs.push(registerNeeds(storeDir, added.map((t) => t.key)));
    const states = planStates(plan, storeDir, this.options.force);
    // Numbered by the scheduler as it takes them (`expanded`), in this order.
    const fresh = states.filter((s) => !this.scheduler.has(s.task.id));
    for (const s of fresh) if (s.run && s.reason !== "new key") this.options.forced.add(s.task.id);
    this.plan = plan;
    this.book.extend(plan, fresh);
    for (const loop of loops) if (!failed.includes(loop)) reporter.event({ type: "expanded", loop, tasks: fresh.length, toRun: fresh.filter((s) => s.run).length });
    for (const s of fresh) if (!s.run) reporter.event({ type: "cached", task: s.task.id });
    for (const s of this.scheduler.expanded(loops.filter((l) => !failed.includes(l)), fresh)) reporter.event({ type: "skipped", ...s });
    this.watchLoops(plan);
    this.book.saveSoon();
  }

  private expansionFailed(loop: string, message: string): void {
    this.expansionFailures.push({ loop, message });
    this.options.reporter.event({ type: "expansion-failed", loop, message });
    const f = this.scheduler.expansionFailed(loop);
    if (f.stopped) this.stopped(f.stopped);
  }

  /** Another run computes the key: wait for its result rather than run it twice. */
  private pollLock(task: Task): void {
    const poll = () => {
      this.lockTimers.delete(task.id);
      if (inStore(this.options.storeDir, task.key)) {
        // A lock left by a run that died once its task committed: clear it.
        if (!this.acquired(task.key)) this.locks.release(task.key);
        this.computedElsewhere(task);
        return this.pumpSoon();
      }
      if (!this.acquired(task.key)) {
        // Ours now (the holder failed or was interrupted), or it cannot be written: `carryOut` finds out.
        this.scheduler.lockFreed(task.id);
        return this.pumpSoon();
      }
      this.lockTimers.set(task.id, setTimeout(poll, LOCK_POLL_MS));
    };
    this.lockTimers.set(task.id, setTimeout(poll, LOCK_POLL_MS));
  }

  /** `locks.acquire`, with a lock that cannot be written (a full disk) taken as free: `carryOut` reports it. */
  private acquired(key: string): LockOwner | undefined {
    try {
      return this.locks.acquire(key);
    } catch {
      return undefined;
    }
  }

  /** Another run computed the key since the plan was made: its result is as good. */
  private computedElsewhere(task: Task): void {
    this.scheduler.computedElsewhere(task.id);
    this.options.reporter.event({ type: "cached", task: task.id });
  }

  private filesOf(task: Task): Files {
    const name = taskFileName(this.scheduler.numberOf(task.id), task.id);
    const run = this.book.dir;
    return {
      name,
      script: path.join(run, "scripts", `${name}.sh`),
      stdout: path.join(run, "logs", `${name}.out`),
      stderr: path.join(run, "logs", `${name}.err`),
      work: workDir(this.options.storeDir, task.key, ++this.workCount),
    };
  }

  /** Checks the files the key covers, makes the work directory and runs the task on `launcher` (queued there when it is busy). */
  private launch(task: Task, launcher: Launcher, gpus: readonly string[], lockError: unknown): void {
    const { reporter, now } = this.options;
    const plan = this.plan;
    const entry: Running = { launcher };
    this.running.set(task.id, entry);
    const files = this.filesOf(task);
    const previous = this.book.detailsOf(task.id);
    const attempt = this.scheduler.launching(task.id);
    const given = this.scheduler.allocation(task.id);
    let started = now();
    this.book.note(task.id, { stdout: `logs/${files.name}.out`, stderr: `logs/${files.name}.err` });
    this.book.beginAttempt(task.id, attempt, given);
    if (task.retries > 0) attemptHeader(files, attempt, task.retries + 1, given);
    const ended = (status: number | null, explained = false) => this.ended(task, entry, files, { started, previous }, status, explained);
    const cannot = (what: string, error: unknown) => {
      this.launchers.giveBack(launcher);
      fs.appendFileSync(files.stderr, `pipe: ${printable(task.id)}: cannot ${what} the task: ${(error as Error).message}\n`);
      // A failure of its own (exit 1), not a signal's: it never ran.
      ended(1, true);
    };
    entry.refused = this.options.verifier.check(task);
    if (entry.refused) {
      this.launchers.giveBack(launcher);
      return ended(INPUTS_CHANGED_STATUS);
    }
    // Synchronous, as is every file operation of a task's life in pipe: each is one system
    // call, and a round trip through libuv's threads cost more than the call.
    try {
      if (lockError !== undefined) throw lockError;
      fs.mkdirSync(files.work);
      entry.scratch = this.scratches.take();
    } catch (error) {
      return cannot(lockError !== undefined ? "lock the key of" : "prepare", error);
    }
    const onStart = (pid: number, scratch: { stdout: string; stderr: string }) => {
      started = now();
      entry.pgid = pid;
      this.memory.track(pid);
      if (entry.terminate) terminate(entry);
      // While it runs, its output is in the launcher's files (in the run directory).
      this.book.note(task.id, { stdout: path.basename(scratch.stdout), stderr: path.basename(scratch.stderr) });
      this.book.noteAttempt(task.id, { start: started.toISOString() });
      reporter.event({ type: "start", task: task.id, attempt });
      this.book.saveSoon();
    };
    const env: Record<string, string> = {
      PIPE_OUT: files.work,
      PIPE_WORK: entry.scratch,
      PIPE_ATTEMPT: String(attempt),
      PIPE_CPUS: String(given.cpus),
      PIPE_MEM_MB: String(given.memMb),
      PIPE_TIME_S: String(given.timeS),
    };
    if (this.options.gpus) env["CUDA_VISIBLE_DEVICES"] = gpus.join(",");
    try {
      this.launchers.run(launcher, { task: task.id, script: runnerScript(plan, task, this.readStructured), check: outputCheckScript(plan, task, files.work), stdout: files.stdout, stderr: files.stderr, env, started: onStart, ended });
    } catch (error) {
      cannot("start", error);
    }
  }

  /** `explained`: the task's stderr says already why it failed (an output's check, or pipe could not start it). */
  private ended(task: Task, entry: Running, files: Files, at: { started: Date; previous: TaskDetails }, status: number | null, explained: boolean): void {
    const { storeDir, reporter } = this.options;
    const plan = this.plan;
    const end = this.options.now();
    this.running.delete(task.id);
    clearTimeout(entry.killTimer);
    // A launcher that died may leave its task running: that task's scratch is never lent again.
    if (entry.scratch !== undefined) this.scratches.giveBack(entry.scratch, status !== null);
    if (status === null && entry.pgid === undefined && this.scheduler.stopped) return this.droppedUnrun(task, files, at.previous);
    let exitCode = status;
    const problem =
      entry.refused ??
      (exitCode === 0
        ? (structuredOutputsProblem(files.work, plan.actions[task.action]!.outputs.map((o) => ({ name: o.name, file: storedAs(o), type: o.type }))) ??
          finishResult(plan, task, files.work, entryDir(storeDir, task.key), this.options.forced.has(task.id), { start: at.started, end }))
        : exitCode !== null && !entry.terminate && !explained
          ? `command exited with status ${exitCode}`
          : undefined);
    if (problem) {
      fs.appendFileSync(files.stderr, `pipe: ${printable(task.id)}: ${problem}\n`);
      exitCode ||= 1;
    }
    // The self-contained form of the script, to rerun the task by hand.
    if (exitCode !== 0 && !fs.existsSync(files.script)) fs.writeFileSync(files.script, taskScript(plan, task, REMEDY.local));
    // The work directory is gone after a commit.
    if (exitCode !== 0) this.later(fs.promises.rm(files.work, { recursive: true, force: true }));
    if (plan.actions[task.action]!.kind !== "shell") this.later(fs.promises.rm(`${files.work}.args.json`, { force: true }));
    const peakRssKb = entry.pgid ? this.memory.untrack(entry.pgid) : null;
    const durationMs = end.getTime() - at.started.getTime();
    this.book.note(task.id, { stdout: `logs/${files.name}.out`, stderr: `logs/${files.name}.err` });
    const f = this.scheduler.finished(task.id, entry.refused ? "refused" : exitCode === 0 ? "ok" : "failed");
    const attemptState = exitCode === 0 ? "done" : f.state === "interrupted" || f.state === "cancelled" ? f.state : "failed";
    this.book.noteAttempt(task.id, { state: attemptState, start: at.started.toISOString(), end: end.toISOString(), durationMs, exitCode, peakRssKb });
    // A retry keeps the key's lock; everything else lets it go.
    if (!f.retrying) this.locks.release(task.key);
    if (f.state === "done") reporter.event({ type: "done", task: task.id, ms: durationMs });
    else if (f.state === "failed" || f.retrying) reporter.event({ type: "failed", task: task.id, exitCode, retrying: f.retrying });
    for (const d of f.skipped) reporter.event({ type: "skipped", task: d, because: task.id });
    if (f.stopped) this.stopped(f.stopped);
    this.book.saveSoon();
    this.pumpSoon();
  }

  /** Dropped before it started, the run stopping: its record stays as it was (it never ran). */
  private droppedUnrun(task: Task, files: Files, previous: TaskDetails): void {
    this.later(fs.promises.rm(files.work, { recursive: true, force: true }));
    this.locks.release(task.key);
    this.book.note(task.id, previous, true);
    this.book.dropAttempt(task.id);
    this.scheduler.finished(task.id, "unrun");
    this.book.saveSoon();
    this.pumpSoon();
  }
}

/**
 * A line that opens an attempt in the task's logs, so that a retried task's logs say which
 * attempt printed what; the launcher appends the attempt's output after it.
 */
function attemptHeader(files: Files, attempt: number, attempts: number, given: { cpus: number; memMb: number; timeS: number }): void {
  const line = `==> pipe: attempt ${attempt} of ${attempts} (cpus ${given.cpus}, mem ${given.memMb} MiB, time ${given.timeS} s) <==\n`;
  for (const log of [files.stdout, files.stderr]) {
    try {
      fs.appendFileSync(log, line);
    } catch {
      // A log that cannot be written fails the task where it is written next.
    }
  }
}

/** SIGTERM to the task's whole process group, SIGKILL if it is still there after a grace period. */
function terminate(task: Running): void {
  task.terminate = true;
  if (!task.pgid || task.killTimer) return;
  signalGroup(task.pgid, "SIGTERM");
  task.killTimer = setTimeout(() => kill(task), KILL_GRACE_MS);
  task.killTimer.unref();
}

/** SIGKILL to the task's whole process group, now. */
function kill(task: Running): void {
  task.terminate = true;
  clearTimeout(task.killTimer);
  if (task.pgid) signalGroup(task.pgid, "SIGKILL");
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}
