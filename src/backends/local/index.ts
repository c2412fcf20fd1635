// The local backend's entry: `runPlan(options)` runs a plan's task scripts on this machine.
// It respects the DAG, `--jobs`, and the cpus, memory and GPUs tasks request; skips cached
// tasks; retries; stops at the first failure (or keeps going); terminates whole process
// groups on failure or interrupt; and records everything under `.pipe/runs/<run-id>/`.
// Before a task goes to a launcher, the files its key covers are checked (verify-inputs.ts):
// a changed one fails the task, unretried, with nothing stored.

import fs from "node:fs";
import path from "node:path";
import type { Plan, Task } from "../../plan/plan.js";
import { printable } from "../../printable.js";
import { outputCheckScript, runnerScript, taskScript } from "../../plan/script.js";
import { planStates } from "../../plan/state.js";
import { INPUTS_CHANGED_STATUS, InputVerifier, REMEDY } from "../../plan/verify-inputs.js";
import { writeJsonFile } from "../../json-chunks.js";
import { entryDir, finishResult, inStore, KeyLocks, removeStaleWork, tmpDir, workDir } from "../../store/index.js";
import type { Reporter } from "./events.js";
import { Launchers, type Launcher } from "./launcher.js";
import { ReadyQueue } from "./ready-queue.js";
import { MemorySampler } from "./memory.js";
import { createRunDir, taskFileName, writeRecord, type RunRecord, type RunTaskRecord } from "./records.js";

export interface LocalLimits {
  readonly jobs: number;
  readonly cpus: number;
  readonly memMb: number;
  /** GPU ids to hand out; empty when the machine has none configured. */
  readonly gpus: readonly string[];
}

export interface RunOptions {
  readonly plan: Plan;
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
}

export interface RunOutcome {
  readonly runDir: string;
  readonly record: RunRecord;
}

const KILL_GRACE_MS = 5000;
const LOCK_POLL_MS = 250;
const SAVE_EVERY_MS = 1000;

interface Need {
  readonly cpus: number;
  readonly memMb: number;
  readonly gpus: number;
}

const sameNeed = (a: Need, b: Need) => a.cpus === b.cpus && a.memMb === b.memMb && a.gpus === 0 && b.gpus === 0;

const needOf = (task: Task): Need => ({ cpus: task.resources.cpus ?? 1, memMb: task.resources.mem ?? 0, gpus: task.resources.gpus ?? 0 });

/** Tasks that can never fit this machine: reported before anything starts. */
export function unfittable(plan: Plan, limits: LocalLimits): string[] {
  const problems: string[] = [];
  for (const task of plan.tasks) {
    const need = needOf(task);
    if (need.cpus > limits.cpus) problems.push(`${printable(task.id)} needs ${need.cpus} cpus; this machine allows ${limits.cpus}`);
    if (need.memMb > limits.memMb) problems.push(`${printable(task.id)} needs ${need.memMb} MiB of memory; this machine allows ${limits.memMb} MiB`);
    if (need.gpus > limits.gpus.length) problems.push(`${printable(task.id)} needs ${need.gpus} GPUs; ${limits.gpus.length} configured (local.gpus in pipe.config.json)`);
  }
  return problems;
}

export async function runPlan(options: RunOptions): Promise<RunOutcome> {
  const { plan, storeDir, limits, reporter } = options;
  const now = options.now ?? (() => new Date());
  const { id: runId, dir: runDir } = createRunDir(options.projectDir, now());
  for (const sub of ["scripts", "logs"]) fs.mkdirSync(path.join(runDir, sub), { recursive: true });
  writeJsonFile(path.join(runDir, "plan.json"), plan);

  const states = planStates(plan, storeDir, options.force);
  const index = new Map(plan.tasks.map((t, i) => [t.id, i]));
  const records = new Map<string, RunTaskRecord>();
  const forced = new Set<string>();
  for (const s of states) {
    records.set(s.task.id, { id: s.task.id, key: s.task.key, state: s.run ? "pending" : "cached", ...(s.reason ? { reason: s.reason } : {}) });
    if (s.run && s.reason !== "new key") forced.add(s.task.id);
  }
  const record: RunRecord = { id: runId, file: plan.file, entry: plan.entry, started: now().toISOString(), status: "running", pid: process.pid, tasks: [] };
  const save = () => writeRecord(runDir, { ...record, tasks: plan.tasks.map((t) => records.get(t.id)!) });
  save();
  // Saved again at most every second while tasks start and end, for `pipe logs` and
  // `pipe history` during the run (and after a run that was killed).
  let saveTimer: NodeJS.Timeout | undefined;
  const saveSoon = () => {
    saveTimer ??= setTimeout(() => {
      saveTimer = undefined;
      save();
    }, SAVE_EVERY_MS);
  };

  const toRun = states.filter((s) => s.run);
  reporter.event({ type: "plan", total: states.length, toRun: toRun.length, cached: states.length - toRun.length });
  for (const s of states) if (!s.run) reporter.event({ type: "cached", task: s.task.id });

  // Dependency counts over the tasks that run; cached upstreams are already satisfied.
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const s of toRun) {
    const deps = s.task.deps.filter((d) => records.get(d)!.state === "pending");
    waitingOn.set(s.task.id, deps.length);
    for (const d of deps) {
      const list = dependents.get(d);
      if (list) list.push(s.task.id);
      else dependents.set(d, [s.task.id]);
    }
  }
  const ready = new ReadyQueue<Task>((t) => index.get(t.id)!);
  for (const s of toRun) if (waitingOn.get(s.task.id) === 0) ready.push(s.task);
  const running = new Map<string, Running>();
  const lockWaits = new Set<string>();
  const freeGpus = [...limits.gpus];
  let freeCpus = limits.cpus;
  let freeMem = limits.memMb;
  let stopping: "failure" | "interrupt" | undefined;
  let failedAny = false;
  const locks = new KeyLocks(storeDir, runId);
  const memory = new MemorySampler();
  const env = { ...process.env, PIPE_STORE: storeDir, PIPE_PROJECT: options.projectDir, PIPE_HOME: options.pipeHome };
  const launchers = new Launchers(runDir, options.projectDir, env, () => !stopping, (pids) => locks.setLaunchers(pids));
  // Tasks queued behind another on its launcher (launcher.ts): each takes over the resources
  // of the one before it, so they do not count against --jobs.
  let queuedTasks = 0;
  // Work directories are made here rather than by each script (see PIPE_WORK in script.ts):
  // a process less per task, and pipe knows what to clean up after a task that was killed.
  fs.mkdirSync(tmpDir(storeDir), { recursive: true });
  removeStaleWork(storeDir);
  let attempts = 0;
  const verifier = new InputVerifier(options.projectDir, REMEDY.local, options.seen);
  // Clean-ups done off the critical path, awaited before the run returns.
  const cleanups: Promise<unknown>[] = [];
  const later = (...work: Promise<unknown>[]) => {
    for (const w of work) cleanups.push(w.catch(() => {}));
  };

  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const checkDone = () => {
    if (running.size === 0 && lockWaits.size === 0 && (ready.size === 0 || stopping)) finish();
  };

  const stop = (reason: "failure" | "interrupt") => {
    if (stopping) return;
    stopping = reason;
    // Before anything else: a launcher starts a queued task without asking.
    launchers.stopAll();
    if ([...records.values()].some((r) => r.state === "pending")) reporter.event({ type: "stopping", reason });
    for (const r of running.values()) terminate(r);
    checkDone();
  };
  const onAbort = () => stop("interrupt");
  options.signal.addEventListener("abort", onAbort);
  if (options.signal.aborted) stop("interrupt");
  const onUrgent = () => {
    stop("interrupt");
    if (running.size > 0) reporter.event({ type: "stopping", reason: "kill" });
    for (const r of running.values()) kill(r);
  };
  options.urgent?.addEventListener("abort", onUrgent);

  const insertReady = (task: Task) => ready.push(task);

  // Another run computed the key since the plan was made: its result is as good.
  const computedMeanwhile = (task: Task) => {
    records.set(task.id, { ...records.get(task.id)!, state: "cached", reason: "computed by a concurrent run" });
    reporter.event({ type: "cached", task: task.id });
    succeeded(task);
  };

  const succeeded = (task: Task) => {
    for (const d of dependents.get(task.id) ?? []) {
      const left = waitingOn.get(d)! - 1;
      waitingOn.set(d, left);
      if (left === 0) insertReady(plan.tasks[index.get(d)!]!);
    }
  };

  // Depth first with a stack of its own, not recursion: a chain of dependents is as long as the plan.
  const skipDependents = (id: string, because: string) => {
    const walks = [(dependents.get(id) ?? [])[Symbol.iterator]()];
    while (walks.length) {
      const step = walks[walks.length - 1]!.next();
      if (step.done) {
        walks.pop();
        continue;
      }
      const d = step.value;
      const r = records.get(d)!;
      if (r.state !== "pending") continue;
      records.set(d, { ...r, state: "skipped", reason: `upstream ${because} failed` });
      reporter.event({ type: "skipped", task: d, because });
      walks.push((dependents.get(d) ?? [])[Symbol.iterator]());
    }
  };

  /** `locks.acquire`, with a lock that cannot be written (a full disk) taken as free: start() reports it. */
  const acquired = (key: string) => {
    try {
      return locks.acquire(key);
    } catch {
      return undefined;
    }
  };

  /** Starts a task on an idle launcher, or queues it behind `ahead` (a task needing the same resources) on its launcher. */
  const start = (task: Task, ahead?: Running) => {
    const launcher = ahead?.launcher ?? launchers.take();
    // A lock that cannot be written (a full disk) fails the task below, as a work directory would.
    let lockError: unknown;
    let owner: ReturnType<KeyLocks["acquire"]>;
    try {
      owner = locks.holds(task.key) ? undefined : locks.acquire(task.key);
    } catch (error) {
      lockError = error;
    }
    if (owner) {
      launchers.giveBack(launcher);
      // Another run is computing the same key: wait for its result rather than run it twice.
      lockWaits.add(task.id);
      reporter.event({ type: "waiting", task: task.id, holder: `run ${owner.run} (pid ${owner.pid} on ${owner.host})` });
      const poll = () => {
        if (stopping) {
          lockWaits.delete(task.id);
          return checkDone();
        }
        if (inStore(storeDir, task.key)) {
          lockWaits.delete(task.id);
          // A lock left by a run that died once its task committed: clear it.
          if (!acquired(task.key)) locks.release(task.key);
          computedMeanwhile(task);
          pump();
          return checkDone();
        }
        if (!acquired(task.key)) {
          // Ours now (the holder failed or was interrupted), or it cannot be written: start() finds out.
          lockWaits.delete(task.id);
          insertReady(task);
          return pump();
        }
        setTimeout(poll, LOCK_POLL_MS);
      };
      setTimeout(poll, LOCK_POLL_MS);
      return;
    }
    if (lockError === undefined && !forced.has(task.id) && inStore(storeDir, task.key)) {
      launchers.giveBack(launcher);
      locks.release(task.key);
      return computedMeanwhile(task);
    }
    const need = needOf(task);
    const gpus = ahead ? [] : freeGpus.splice(0, need.gpus);
    if (ahead) queuedTasks++;
    else {
      freeCpus -= need.cpus;
      freeMem -= need.memMb;
    }
    const entry: Running = { launcher, need, queued: Boolean(ahead) };
    running.set(task.id, entry);
    const name = taskFileName(index.get(task.id)!, task.id);
    const script = path.join(runDir, "scripts", `${name}.sh`);
    const logs = { stdout: path.join(runDir, "logs", `${name}.out`), stderr: path.join(runDir, "logs", `${name}.err`) };
    const work = workDir(storeDir, task.key, ++attempts);
    const previous = records.get(task.id)!;
    const attempt = (previous.attempts ?? 0) + 1;
    let started = now();
    records.set(task.id, { ...previous, state: "pending", attempts: attempt, stdout: `logs/${name}.out`, stderr: `logs/${name}.err` });
    const vars: Record<string, string> = { PIPE_WORK: work };
    if (limits.gpus.length) vars["CUDA_VISIBLE_DEVICES"] = gpus.join(",");

    /** `explained`: the task's stderr says already why it failed (an output's check, or pipe could not start it). */
    const ended = (status: number | null, explained = false) => {
      const end = now();
      if (status === null && entry.pgid === undefined && stopping) return droppedUnrun();
      let exitCode = status;
      const problem =
        entry.refused ??
        (exitCode === 0
          ? finishResult(plan, task, work, entryDir(storeDir, task.key), forced.has(task.id), { start: started, end })
          : exitCode !== null && !entry.terminate && !explained
            ? `command exited with status ${exitCode}`
            : undefined);
      if (problem) {
        fs.appendFileSync(logs.stderr, `pipe: ${printable(task.id)}: ${problem}\n`);
        exitCode ||= 1;
      }
      // The self-contained form of the script, to rerun the task by hand.
      if (exitCode !== 0 && !fs.existsSync(script)) fs.writeFileSync(script, taskScript(plan, task, REMEDY.local));
      running.delete(task.id);
      clearTimeout(entry.killTimer);
      // Dropped from its launcher's queue before it ran: it held no resources.
      if (entry.queued) queuedTasks--;
      // The work directory is gone after a commit.
      if (exitCode !== 0) later(fs.promises.rm(work, { recursive: true, force: true }));
      if (plan.actions[task.action]!.kind === "ts") later(fs.promises.rm(`${work}.args.json`, { force: true }));
      const peak = entry.pgid ? memory.untrack(entry.pgid) : null;
      const base = { ...records.get(task.id)!, stdout: `logs/${name}.out`, stderr: `logs/${name}.err`, end: end.toISOString(), durationMs: end.getTime() - started.getTime(), exitCode, peakRssKb: peak };
      const retrying = exitCode !== 0 && !stopping && attempt <= task.retries && !entry.refused;
      // A retry keeps the key's lock; everything else lets it go.
      if (!retrying) locks.release(task.key);
      if (exitCode === 0) {
        records.set(task.id, { ...base, state: "done" });
        reporter.event({ type: "done", task: task.id, ms: base.durationMs });
        succeeded(task);
      } else if (stopping) {
        records.set(task.id, { ...base, state: stopping === "interrupt" ? "interrupted" : "cancelled" });
      } else {
        reporter.event({ type: "failed", task: task.id, exitCode, retrying });
        records.set(task.id, { ...base, state: retrying ? "pending" : "failed" });
        if (retrying) insertReady(task);
        else {
          failedAny = true;
          skipDependents(task.id, task.id);
          if (!options.keepGoing) stop("failure");
        }
      }
      if (!entry.queued) handOver(entry, gpus);
      saveSoon();
      pump();
      checkDone();
    };

    // Dropped before it started, the run stopping: its record stays as it was (it never ran).
    const droppedUnrun = () => {
      running.delete(task.id);
      if (entry.queued) queuedTasks--;
      else handOver(entry, gpus);
      later(fs.promises.rm(work, { recursive: true, force: true }));
      locks.release(task.key);
      records.set(task.id, { ...previous, state: stopping === "interrupt" ? "interrupted" : "cancelled" });
      saveSoon();
      checkDone();
    };

    const cannot = (what: string, error: unknown) => {
      launchers.giveBack(launcher);
      fs.appendFileSync(logs.stderr, `pipe: ${printable(task.id)}: cannot ${what} the task: ${(error as Error).message}\n`);
      // A failure of its own (exit 1), not a signal's: it never ran.
      ended(1, true);
    };
    entry.refused = verifier.check(task);
    if (entry.refused) {
      launchers.giveBack(launcher);
      return ended(INPUTS_CHANGED_STATUS);
    }
    // Synchronous, as is every file operation of a task's life in pipe: each is one system
    // call, and a round trip through libuv's threads cost more than the call.
    try {
      if (lockError !== undefined) throw lockError;
      fs.mkdirSync(work);
    } catch (error) {
      return cannot(lockError !== undefined ? "lock the key of" : "prepare", error);
    }
    const onStart = (pid: number, scratch: { stdout: string; stderr: string }) => {
      started = now();
      entry.pgid = pid;
      memory.track(pid);
      if (entry.terminate) terminate(entry);
      // While it runs, its output is in the launcher's files (in the run directory).
      records.set(task.id, { ...records.get(task.id)!, start: started.toISOString(), stdout: path.basename(scratch.stdout), stderr: path.basename(scratch.stderr) });
      reporter.event({ type: "start", task: task.id, attempt });
      saveSoon();
    };
    try {
      launchers.run(launcher, { task: task.id, script: runnerScript(plan, task), check: outputCheckScript(plan, task, work), ...logs, env: vars, started: onStart, ended });
    } catch (error) {
      cannot("start", error);
    }
  };

  /** A task's resources when it ends: to the task queued behind it on its launcher if that one runs, else back to the pool. */
  const handOver = (from: Running, gpus: readonly string[]) => {
    const job = from.launcher.running ?? (stopping ? undefined : from.launcher.queued);
    const next = job && running.get(job.request.task);
    if (next?.queued) {
      next.queued = false;
      queuedTasks--;
      return;
    }
    for (const g of gpus) freeGpus.push(g);
    freeCpus += from.need.cpus;
    freeMem += from.need.memMb;
  };

  const pump = () => {
    if (stopping) return;
    // In plan order; a task that does not fit now waits for the next pump.
    const waiting: Task[] = [];
    while (running.size - queuedTasks < limits.jobs) {
      const task = ready.pop();
      if (!task) break;
      const need = needOf(task);
      if (need.cpus <= freeCpus && need.memMb <= freeMem && need.gpus <= freeGpus.length) start(task);
      else waiting.push(task);
    }
    for (const task of waiting) ready.push(task);
    // The next ready tasks wait on busy launchers, each behind a task that needs the same
    // resources (and no GPU), whose resources it takes over: it starts the moment that one
    // ends. In plan order: a task that can wait nowhere stops the queueing, so that a larger
    // task waiting for resources is not overtaken again and again.
    let next = ready.pop();
    for (const launcher of launchers.queueable()) {
      if (!next) break;
      const ahead = running.get(launcher.running!.request.task);
      if (!ahead || !sameNeed(needOf(next), ahead.need)) continue;
      start(next, ahead);
      next = ready.pop();
    }
    if (next) ready.push(next);
  };

  pump();
  checkDone();
  await finished;
  options.signal.removeEventListener("abort", onAbort);
  options.urgent?.removeEventListener("abort", onUrgent);
  launchers.close();
  locks.releaseAll();
  await Promise.all(cleanups);
  clearTimeout(saveTimer);

  for (const [id, r] of records) {
    if (r.state === "pending") records.set(id, { ...r, state: stopping === "interrupt" ? "interrupted" : "cancelled" });
  }
  record.status = stopping === "interrupt" ? "interrupted" : failedAny ? "failed" : "ok";
  record.ended = now().toISOString();
  save();
  reporter.close();
  return { runDir, record: { ...record, tasks: plan.tasks.map((t) => records.get(t.id)!) } };
}

interface Running {
  readonly launcher: Launcher;
  readonly need: Need;
  /** Waiting behind another task on its launcher. */
  queued: boolean;
  /** The task's pid and process group, once its launcher has started it. */
  pgid?: number;
  /** Set when the task is to be terminated: at once if it runs, else as soon as it starts. */
  terminate?: true;
  killTimer?: NodeJS.Timeout;
  /** Why the task was not started: a file its key covers changed (never retried). */
  refused?: string | undefined;
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
