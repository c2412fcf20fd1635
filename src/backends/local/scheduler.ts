// The local backend's scheduler: every rule of what runs when, and nothing else (no file, no
// process, no timer), in the manner of miniwdl's workflow state machine. The driver (index.ts)
// tells it what happened — a task handed to a launcher, ended, found waiting on another run's
// key lock, computed by that run — and asks it what to do next; it answers with plain
// records: start a task (with the GPU ids it gets), or queue it behind a running one.
//
// The rules: a task is ready once the tasks it depends on that run have succeeded (a cached
// upstream is satisfied from the start); ready tasks go in plan order; a task starts when the
// cpus, memory and GPUs it needs are free and fewer than `jobs` tasks hold resources. A ready
// task that cannot start may wait behind a running task that needs the same resources (and no
// GPU), taking them over the moment that one ends, so that a sweep of small tasks never waits
// on pipe between two of them; queueing goes in plan order too, and a task that can wait
// nowhere stops it, so that a larger task waiting for resources is not overtaken again and
// again. A failed task is retried while it has retries left, unless the files its key covers
// changed (`refused`), each attempt with the memory its resources give that attempt (grown,
// but never past the machine's); once it has failed for good its dependents are skipped, and the run
// stops unless it keeps going. An interrupt stops it too. After a stop nothing starts, nothing
// is retried, and what was queued behind a failed task is dropped; what is still pending when
// the run is over ends cancelled (or interrupted).
//
// Dynamic loops (plan/dynamic.ts): a loop whose list is an upstream task's output is an
// expansion waiting on that task. Once every task it waits on has succeeded, `next` says to
// expand it; the driver plans again and hands over the new tasks (`expanded`), which are
// scheduled with the rest, after them in plan order. A failed upstream task skips the
// expansion with its dependents; an expansion that fails (`expansionFailed`) fails the run as
// a task would. The run is not over while an expansion is ready or under way.

import { printable } from "../../printable.js";
import type { PlanResources } from "../../plan/plan.js";
import { attemptResources, type AttemptResources } from "../../plan/resources.js";
import type { RunTaskRecord } from "./records.js";
import { ReadyQueue } from "./ready-queue.js";

export interface LocalLimits {
  readonly jobs: number;
  readonly cpus: number;
  readonly memMb: number;
  /** GPU ids to hand out; empty when the machine has none configured. */
  readonly gpus: readonly string[];
}

/** What the scheduler reads of a task (a plan's `Task` is one). */
export interface Schedulable {
  readonly id: string;
  readonly deps: readonly string[];
  readonly retries: number;
  readonly resources: Readonly<Pick<PlanResources, "cpus" | "mem" | "gpus" | "time" | "memRetries" | "timeRetries" | "grow">>;
}

export interface Need {
  readonly cpus: number;
  readonly memMb: number;
  readonly gpus: number;
}

/** What an attempt (the first unless said) needs; a grown one is capped at `maxMemMb`. */
export const needOf = (task: Schedulable, attempt = 1, maxMemMb = Infinity): Need => ({
  cpus: task.resources.cpus ?? 1,
  memMb: attempt === 1 ? (task.resources.mem ?? 0) : Math.min(attemptResources(task.resources, attempt).memMb, maxMemMb),
  gpus: task.resources.gpus ?? 0,
});

/** Whether a task may wait behind another and take over its resources: the same cpus and memory, and no GPU. */
export const sameNeed = (a: Need, b: Need) => a.cpus === b.cpus && a.memMb === b.memMb && a.gpus === 0 && b.gpus === 0;

export type State = RunTaskRecord["state"];

/** Tasks that can never fit this machine: reported before anything starts. */
export function neverFit(tasks: readonly Schedulable[], limits: LocalLimits): string[] {
  const problems: string[] = [];
  for (const task of tasks) {
    const need = needOf(task);
    if (need.cpus > limits.cpus) problems.push(`${printable(task.id)} needs ${need.cpus} cpus; this machine allows ${limits.cpus}`);
    if (need.memMb > limits.memMb) problems.push(`${printable(task.id)} needs ${need.memMb} MiB of memory; this machine allows ${limits.memMb} MiB`);
    if (need.gpus > limits.gpus.length) problems.push(`${printable(task.id)} needs ${need.gpus} GPUs; ${limits.gpus.length} configured (local.gpus in pipe.config.json)`);
  }
  return problems;
}
export type StopReason = "failure" | "interrupt";

/** What to do next: start a task on an idle launcher with these GPU ids, or queue it on the launcher of the running task `behind`. */
export type Decision<T> =
  | { readonly kind: "start"; readonly task: T; readonly gpus: readonly string[] }
  | { readonly kind: "queue"; readonly task: T; readonly behind: string }
  /** Plan the dynamic loop `loop` again, its lists in the store now, and hand its tasks to `expanded`. */
  | { readonly kind: "expand"; readonly loop: string };

/** A dynamic loop's expansion: waiting on its upstream tasks, ready, under way, or over. */
interface Expansion {
  readonly id: string;
  waitingOn: number;
  state: "waiting" | "ready" | "expanding" | "done" | "skipped" | "failed";
}

/**
 * How a task handed over ended: `ok`; `failed`; `refused` (a file its key covers changed: never
 * retried); `unrun` (it never ran: dropped by its launcher; a failure unless the run stopped).
 */
export type Outcome = "ok" | "failed" | "refused" | "unrun";

export interface Finished {
  /** The task's state now: `pending` when it is retried. */
  readonly state: State;
  readonly retrying: boolean;
  /** Its dependents (and theirs), skipped because it failed, in the order they depend on it. */
  readonly skipped: readonly string[];
  /** Set when this end stopped the run. */
  readonly stopped?: StopReason;
}

/** A task handed over: started on its own resources, or queued behind `host` on its launcher. */
interface Handed {
  readonly need: Need;
  readonly gpus: readonly string[];
  /** Plan index of the task it waits behind; undefined once it holds resources of its own. */
  host: number | undefined;
  /** Plan index of the task queued behind it. */
  follower: number | undefined;
}

export class Scheduler<T extends Schedulable> {
  private readonly tasks: T[];
  private readonly index = new Map<string, number>();
  private readonly states: State[];
  private readonly reasons: (string | undefined)[];
  private readonly attempts: number[];
  private readonly waitingOn: number[];
  /** Who depends on whom, for half a million tasks without an array each. */
  private readonly dependents = new EdgeLists();
  private readonly ready = new ReadyQueue<number>((i) => i);
  private readonly handed = new Map<number, Handed>();
  /** Handed tasks holding resources with nothing queued behind them: where a task can wait. */
  private readonly open = new Set<number>();
  private readonly lockWaits = new Set<number>();
  private freeGpus: string[];
  private freeCpus: number;
  private freeMem: number;
  /** Handed tasks holding resources of their own (not queued behind another): what `jobs` bounds. */
  private holding = 0;
  private pendingCount = 0;
  private failedAny = false;
  private stop: StopReason | undefined;
  private readonly expansions = new Map<string, Expansion>();
  /** Per task (plan index), the expansions that wait on it. */
  private readonly expansionsOf = new Map<number, Expansion[]>();
  private readonly readyExpansions: Expansion[] = [];
  private expanding = 0;

  /** `plan`: every task in plan order, with whether it runs (the others are cached). */
  constructor(
    plan: readonly { readonly task: T; readonly run: boolean }[],
    private readonly limits: LocalLimits,
    private readonly keepGoing: boolean,
  ) {
    this.tasks = plan.map((p) => p.task);
    this.tasks.forEach((t, i) => this.index.set(t.id, i));
    this.states = plan.map((p) => (p.run ? "pending" : "cached"));
    this.reasons = plan.map(() => undefined);
    this.attempts = plan.map(() => 0);
    this.dependents.grow(plan.length);
    this.waitingOn = plan.map((p, i) => {
      if (!p.run) return 0;
      this.pendingCount++;
      let n = 0;
      for (const d of p.task.deps) {
        const j = this.index.get(d);
        if (j === undefined || this.states[j] !== "pending") continue;
        n++;
        this.dependents.add(j, i);
      }
      if (n === 0) this.ready.push(i);
      return n;
    });
    this.freeGpus = [...limits.gpus];
    this.freeCpus = limits.cpus;
    this.freeMem = limits.memMb;
  }

  /** The next thing to do, or undefined when nothing can be done until something happens. */
  next(): Decision<T> | undefined {
    if (this.stop) return undefined;
    // Cheap, and what it adds may start at once.
    const expansion = this.readyExpansions.shift();
    if (expansion) {
      expansion.state = "expanding";
      this.expanding++;
      return { kind: "expand", loop: expansion.id };
    }
    if (this.holding < this.limits.jobs) {
      const start = this.fitting();
      if (start !== undefined) {
        const need = this.needAt(start);
        const gpus = this.freeGpus.splice(0, need.gpus);
        this.freeCpus -= need.cpus;
        this.freeMem -= need.memMb;
        this.holding++;
        this.handed.set(start, { need, gpus, host: undefined, follower: undefined });
        this.open.add(start);
        return { kind: "start", task: this.tasks[start]!, gpus };
      }
    }
    const i = this.ready.pop();
    if (i === undefined) return undefined;
    const need = this.needAt(i);
    for (const h of this.open) {
      const host = this.handed.get(h)!;
      if (!sameNeed(need, host.need)) continue;
      host.follower = i;
      this.open.delete(h);
      this.handed.set(i, { need, gpus: [], host: h, follower: undefined });
      return { kind: "queue", task: this.tasks[i]!, behind: this.tasks[h]!.id };
    }
    this.ready.push(i);
    return undefined;
  }

  /** The first ready task, in plan order, that fits the free resources now (taken off the queue). */
  private fitting(): number | undefined {
    const unfit: number[] = [];
    let found: number | undefined;
    for (let i = this.ready.pop(); i !== undefined; i = this.ready.pop()) {
      const need = this.needAt(i);
      if (need.cpus <= this.freeCpus && need.memMb <= this.freeMem && need.gpus <= this.freeGpus.length) {
        found = i;
        break;
      }
      unfit.push(i);
    }
    for (const i of unfit) this.ready.push(i);
    return found;
  }

  /** What the next attempt of task `i` needs. */
  private needAt(i: number): Need {
    return needOf(this.tasks[i]!, this.attempts[i]! + 1, this.limits.memMb);
  }

  /** What the task's current attempt was given (its time as its resources say; 0 for none). */
  allocation(id: string): AttemptResources {
    const i = this.at(id);
    const need = this.handed.get(i)?.need ?? this.needAt(i);
    return { cpus: need.cpus, memMb: need.memMb, timeS: attemptResources(this.tasks[i]!.resources, Math.max(1, this.attempts[i]!)).timeS };
  }

  /** The driver goes ahead with what `next` decided for the task: an attempt; returns its number. */
  launching(id: string): number {
    return ++this.attempts[this.at(id)]!;
  }

  /** Another run holds the task's key lock: it waits for `lockFreed` or `computedElsewhere`, holding nothing. */
  lockBusy(id: string): void {
    const i = this.at(id);
    this.withdraw(i);
    this.lockWaits.add(i);
  }

  /** The lock the task waited on is free (and now the driver's): the task is ready again. */
  lockFreed(id: string): void {
    const i = this.at(id);
    if (this.stop || !this.lockWaits.delete(i)) return;
    this.ready.push(i);
  }

  /** Another run computed the task's key since the plan was made (found at its start, or while it waited on the lock): its result is as good. */
  computedElsewhere(id: string): void {
    const i = this.at(id);
    // After a stop a task no longer waits on a lock (see `halt`): it ends as what is pending does.
    if (this.stop && !this.handed.has(i)) return;
    this.lockWaits.delete(i);
    this.withdraw(i);
    this.settle(i, "cached");
    this.reasons[i] = "computed by a concurrent run";
    this.succeeded(i);
  }

  /** A task handed over ended. */
  finished(id: string, outcome: Outcome): Finished {
    const i = this.at(id);
    const entry = this.handed.get(i);
    if (!entry) throw new Error(`scheduler: ${id} ended but was never started`);
    this.handed.delete(i);
    this.open.delete(i);
    const wasStopped = this.stop;
    let result: Finished;
    if (outcome === "unrun" && wasStopped) {
      // Dropped before it ran, the run stopping: it stays as it was, never attempted.
      this.attempts[i]!--;
      this.settle(i, wasStopped === "interrupt" ? "interrupted" : "cancelled");
      result = { state: this.states[i]!, retrying: false, skipped: [] };
    } else if (outcome === "ok") {
      this.settle(i, "done");
      this.succeeded(i);
      result = { state: "done", retrying: false, skipped: [] };
    } else if (wasStopped) {
      this.settle(i, wasStopped === "interrupt" ? "interrupted" : "cancelled");
      result = { state: this.states[i]!, retrying: false, skipped: [] };
    } else if (outcome !== "refused" && this.attempts[i]! <= this.tasks[i]!.retries) {
      this.ready.push(i);
      result = { state: "pending", retrying: true, skipped: [] };
    } else {
      this.settle(i, "failed");
      this.failedAny = true;
      const skipped = this.skipDependents(i);
      const stopped = this.keepGoing ? undefined : this.halt("failure");
      result = { state: "failed", retrying: false, skipped, ...(stopped ? { stopped } : {}) };
    }
    this.release(entry);
    return result;
  }

  /** Stops the run (an interrupt); returns false when it had stopped already. */
  interrupt(): boolean {
    return this.halt("interrupt") !== undefined;
  }

  get stopped(): StopReason | undefined {
    return this.stop;
  }

  /** Tasks neither ended nor skipped nor cached: those running, ready, waiting on others or on a lock. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Nothing runs or waits on a lock, and nothing will start. */
  get over(): boolean {
    return this.handed.size === 0 && this.lockWaits.size === 0 && this.expanding === 0 && ((this.ready.size === 0 && this.readyExpansions.length === 0) || this.stop !== undefined);
  }

  /**
   * A dynamic loop that waits on the tasks `upstream` (ids of tasks already given): ready to
   * expand once they have all succeeded; skipped if one of them has failed or was skipped.
   * A loop known already is left as it is.
   */
  addExpansion(id: string, upstream: readonly string[]): void {
    if (this.expansions.has(id)) return;
    const e: Expansion = { id, waitingOn: 0, state: "waiting" };
    this.expansions.set(id, e);
    for (const u of upstream) {
      const j = this.at(u);
      const state = this.states[j]!;
      if (state === "done" || state === "cached") continue;
      if (state !== "pending") {
        e.state = "skipped";
        return;
      }
      e.waitingOn++;
      let list = this.expansionsOf.get(j);
      if (!list) this.expansionsOf.set(j, (list = []));
      list.push(e);
    }
    if (e.waitingOn === 0) this.expansionReady(e);
  }

  /**
   * An expansion is over: `tasks` are the tasks its planning added (in plan order, with
   * whether each runs), scheduled from now on like those given at the start. A task whose
   * upstream failed or was skipped is skipped; those are returned, each with that upstream.
   */
  expanded(loops: readonly string[], tasks: readonly { readonly task: T; readonly run: boolean }[]): { readonly task: string; readonly because: string }[] {
    for (const loop of loops) {
      const e = this.expansions.get(loop);
      if (e?.state !== "expanding") continue;
      e.state = "done";
      this.expanding--;
    }
    const skipped: { task: string; because: string }[] = [];
    for (const p of tasks) {
      if (this.index.has(p.task.id)) continue;
      const i = this.tasks.length;
      this.tasks.push(p.task);
      this.index.set(p.task.id, i);
      this.states.push(p.run ? "pending" : "cached");
      this.reasons.push(undefined);
      this.attempts.push(0);
      this.dependents.grow(this.tasks.length);
      this.waitingOn.push(0);
      if (!p.run) continue;
      this.pendingCount++;
      let n = 0;
      let blocked: string | undefined;
      for (const d of p.task.deps) {
        const j = this.index.get(d);
        if (j === undefined) continue;
        const state = this.states[j]!;
        if (state === "pending") {
          n++;
          this.dependents.add(j, i);
        } else if (state !== "done" && state !== "cached") blocked ??= this.tasks[j]!.id;
      }
      if (blocked !== undefined || this.stop) {
        // Its upstream will not succeed in this run (a stopped run leaves it pending: it ends as the rest does).
        if (blocked !== undefined) {
          this.settle(i, "skipped");
          this.reasons[i] = `upstream ${blocked} failed`;
          skipped.push({ task: p.task.id, because: blocked });
        }
        continue;
      }
      this.waitingOn[i] = n;
      if (n === 0) this.ready.push(i);
    }
    return skipped;
  }

  /** Planning a dynamic loop failed (a `zip` of runtime lists of different lengths): a failure of the run, as a task's is. */
  expansionFailed(loop: string): { readonly stopped?: StopReason } {
    const e = this.expansions.get(loop);
    if (e?.state === "expanding") this.expanding--;
    if (e) e.state = "failed";
    this.failedAny = true;
    const stopped = this.keepGoing ? undefined : this.halt("failure");
    return stopped ? { stopped } : {};
  }

  /** Dynamic loops known to the run, with their state. */
  expansionStates(): { readonly id: string; readonly state: Expansion["state"] }[] {
    return [...this.expansions.values()].map((e) => ({ id: e.id, state: e.state }));
  }

  private expansionReady(e: Expansion): void {
    e.state = "ready";
    this.readyExpansions.push(e);
  }

  /** Whether the task was given (at the start or by an expansion). */
  has(id: string): boolean {
    return this.index.has(id);
  }

  /** The task's number: its place in the first plan, then in order of expansion. */
  numberOf(id: string): number {
    return this.at(id);
  }

  /** A task's state, the scheduler's reason for it (skipped, cached by a concurrent run) and its attempts so far. */
  state(id: string): { readonly state: State; readonly reason?: string; readonly attempts: number } {
    const i = this.at(id);
    const reason = this.reasons[i];
    return { state: this.states[i]!, ...(reason ? { reason } : {}), attempts: this.attempts[i]! };
  }

  /** Once the run is over: what is still pending ends cancelled or interrupted; returns the run's status. */
  end(): "ok" | "failed" | "interrupted" {
    const final = this.stop === "interrupt" ? "interrupted" : "cancelled";
    for (let i = 0; i < this.states.length; i++) if (this.states[i] === "pending") this.settle(i, final);
    return this.stop === "interrupt" ? "interrupted" : this.failedAny ? "failed" : "ok";
  }

  private at(id: string): number {
    const i = this.index.get(id);
    if (i === undefined) throw new Error(`scheduler: no task ${id}`);
    return i;
  }

  private settle(i: number, state: State): void {
    if (this.states[i] === "pending") this.pendingCount--;
    this.states[i] = state;
  }

  private halt(reason: StopReason): StopReason | undefined {
    if (this.stop) return undefined;
    this.stop = reason;
    // A task waiting on another run's lock waits no more; it ends as what is pending does.
    this.lockWaits.clear();
    return reason;
  }

  private succeeded(i: number): void {
    for (let e = this.dependents.first(i); e >= 0; e = this.dependents.next(e)) {
      const d = this.dependents.to(e);
      if (--this.waitingOn[d]! === 0) this.ready.push(d);
    }
    for (const e of this.expansionsOf.get(i) ?? []) if (e.state === "waiting" && --e.waitingOn === 0) this.expansionReady(e);
  }

  /** Iteratively (a chain of a million tasks is a stack of a million frames otherwise), in depth-first order. */
  private skipDependents(failed: number): string[] {
    const because = this.tasks[failed]!.id;
    // One string for them all.
    const reason = `upstream ${because} failed`;
    const skipped: string[] = [];
    for (const e of this.expansionsOf.get(failed) ?? []) if (e.state === "waiting") e.state = "skipped";
    const stack: number[] = [];
    // Pushed, then turned round in place, so that the first dependent comes off first.
    const pushDependents = (of: number) => {
      let lo = stack.length;
      for (let e = this.dependents.first(of); e >= 0; e = this.dependents.next(e)) stack.push(this.dependents.to(e));
      for (let hi = stack.length - 1; lo < hi; lo++, hi--) [stack[lo], stack[hi]] = [stack[hi]!, stack[lo]!];
    };
    pushDependents(failed);
    while (stack.length) {
      const d = stack.pop()!;
      if (this.states[d] !== "pending") continue;
      this.settle(d, "skipped");
      this.reasons[d] = reason;
      for (const e of this.expansionsOf.get(d) ?? []) if (e.state === "waiting") e.state = "skipped";
      skipped.push(this.tasks[d]!.id);
      pushDependents(d);
    }
    return skipped;
  }

  /** Undoes a decision the driver did not carry out (the key's lock busy, or the key computed already). */
  private withdraw(i: number): void {
    const entry = this.handed.get(i);
    if (!entry) return;
    this.handed.delete(i);
    this.open.delete(i);
    if (entry.host !== undefined) return this.unfollow(entry.host);
    // Back where they were, so that GPU ids go out in their configured order.
    this.freeGpus = entry.gpus.concat(this.freeGpus);
    this.freeCpus += entry.need.cpus;
    this.freeMem += entry.need.memMb;
    this.holding--;
  }

  /**
   * A task's resources when it ends: to the task queued behind it, which its launcher starts
   * (after a failure only unless the run stopped; dropped unrun then, it gives them back), else
   * back to the pool. A task that was still queued held none.
   */
  private release(entry: Handed): void {
    if (entry.host !== undefined) return this.unfollow(entry.host);
    const next = entry.follower === undefined ? undefined : this.handed.get(entry.follower);
    if (next) {
      next.host = undefined;
      this.open.add(entry.follower!);
      return;
    }
    for (const g of entry.gpus) this.freeGpus.push(g);
    this.freeCpus += entry.need.cpus;
    this.freeMem += entry.need.memMb;
    this.holding--;
  }

  /** The task queued behind `host` is gone (it ended, or waits on a lock instead): another may wait there. */
  private unfollow(host: number): void {
    const entry = this.handed.get(host);
    if (!entry) return;
    entry.follower = undefined;
    this.open.add(host);
  }
}

/**
 * For each task (by plan index), the tasks that depend on it, in the order they were added:
 * singly linked edges in typed arrays, a few bytes an edge, where an array per task cost
 * about 180 bytes (V8 gives a first push room for 17).
 */
class EdgeLists {
  private head = new Int32Array(0);
  private tail = new Int32Array(0);
  private target = new Int32Array(16);
  private link = new Int32Array(16);
  private edges = 0;
  private nodes = 0;

  /** Makes room for tasks up to `n` (those added have no dependents yet). */
  grow(n: number): void {
    if (n > this.head.length) {
      const size = Math.max(n, this.head.length * 2);
      this.head = extended(this.head, size, -1);
      this.tail = extended(this.tail, size, -1);
    }
    this.nodes = Math.max(this.nodes, n);
  }

  add(from: number, to: number): void {
    if (this.edges === this.target.length) {
      this.target = extended(this.target, this.edges * 2, 0);
      this.link = extended(this.link, this.edges * 2, -1);
    }
    const e = this.edges++;
    this.target[e] = to;
    this.link[e] = -1;
    if (this.tail[from]! < 0) this.head[from] = e;
    else this.link[this.tail[from]!] = e;
    this.tail[from] = e;
  }

  /** The first edge out of `from`, or -1. */
  first(from: number): number {
    return this.head[from]!;
  }

  next(edge: number): number {
    return this.link[edge]!;
  }

  to(edge: number): number {
    return this.target[edge]!;
  }
}

function extended(a: Int32Array<ArrayBuffer>, size: number, fill: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size).fill(fill, a.length);
  b.set(a);
  return b;
}
