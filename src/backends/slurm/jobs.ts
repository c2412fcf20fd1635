// From tasks to Slurm jobs. Tasks of one sweep (same group) with the same action, retries
// and `#SBATCH` options become one job array, split at `maxArraySize`; any other task is a
// job of its own. A job waits for the jobs holding its tasks' upstream tasks: with
// `aftercorr` when its task i depends on exactly task i of an upstream array of the same
// size (train[i] → eval[i]: eval[i] starts as soon as train[i] is done), else `afterok`
// (the whole upstream job). Jobs come out in an order that submits every job after its
// upstream jobs.
//
// A job whose tasks retry with a bigger allocation (`grow`, or `mem`/`time` lists) is
// followed by one job per retry, submitted at once with that attempt's `--mem`/`--time` and
// `afternotok` on every attempt before it: it starts only when they all failed (any way:
// an error, OUT_OF_MEMORY, TIMEOUT) and is cancelled by Slurm (`--kill-on-invalid-dep`) as
// soon as one succeeded. Dependents wait on a join job that succeeds once one attempt has,
// since Slurm's "any of" (`?`) cannot be mixed with "all of" (`,`) in one dependency.

import type { Plan, Task } from "../../plan/plan.js";
import { runsAnyway } from "../../plan/state.js";
import type { BundleJob, DependencyType } from "./bundle.js";
import { attemptResources } from "../../plan/resources.js";
import { effectiveResources, sbatchOptions, type SlurmConfig } from "./directives.js";

interface TaskSet {
  readonly group: string;
  readonly options: string[];
  tasks: Task[];
}

export function planJobs(plan: Plan, slurm: SlurmConfig): BundleJob[] {
  return planJobTasks(plan, slurm).jobs;
}

/** The jobs, and each job's tasks in array-index order (a retry's are its first attempt's). */
export interface PlannedJobs {
  readonly jobs: BundleJob[];
  readonly tasksOf: ReadonlyMap<BundleJob, readonly Task[]>;
}

export function planJobTasks(plan: Plan, slurm: SlurmConfig): PlannedJobs {
  const forced = runsAnyway(plan);

  const sets = alignSets(groupTasks(plan, slurm));
  const jobs: BundleJob[] = [];
  const tasksOf = new Map<BundleJob, readonly Task[]>();
  const jobOf = new Map<string, BundleJob>();
  const names = new Set<string>();
  for (const set of sets) {
    const chunks = chunk(set.tasks, slurm.maxArraySize);
    chunks.forEach((tasks, k) => {
      const base = jobBaseName(set.group, plan.entry);
      const name = unique(chunks.length > 1 ? `${base}-${k + 1}` : base, names);
      const job: BundleJob = {
        name,
        script: `jobs/${name}.sh`,
        array: set.tasks.length > 1,
        group: set.group,
        action: plan.actions[tasks[0]!.action]!.name,
        options: set.options,
        after: [],
        // Until one task runs anyway, no lookup (each hashes an id).
        tasks: tasks.map((t) => ({ id: t.id, key: t.key, force: forced.size > 0 && forced.has(t.id) })),
      };
      for (const t of tasks) jobOf.set(t.id, job);
      jobs.push(job);
      tasksOf.set(job, tasks);
    });
  }

  const position = new Map(jobs.map((j, i) => [j, i]));
  for (const job of jobs) {
    const upstream = new Set<BundleJob>();
    for (const t of tasksOf.get(job)!) for (const d of t.deps) upstream.add(jobOf.get(d)!);
    upstream.delete(job);
    job.after = [...upstream].sort((a, b) => position.get(a)! - position.get(b)!).map((u) => ({ job: u.name, type: dependencyType(job, u, tasksOf) }));
  }
  return withRetryJobs(submissionOrder(jobs), slurm, tasksOf);
}

/** Whether a task's retries get other resources than its first attempt (then each is a job of its own). */
/**
 * Adds to `into` the job each task's dependents wait on: its job, or that job's join when it
 * has bigger retries (never one of the attempts, which Slurm cancels once one succeeds).
 */
export function awaitedJobs(jobs: readonly BundleJob[], into: Map<string, string>): Map<string, string> {
  for (const j of jobs) if (j.retryOf === undefined) for (const t of j.tasks) into.set(t.id, j.join?.name ?? j.name);
  return into;
}

export function growsOnRetry(task: Task): boolean {
  const r = task.resources;
  return task.retries > 0 && (r.memRetries !== undefined || r.timeRetries !== undefined || r.grow !== undefined);
}

/** The resources Slurm is asked for by attempt `attempt` of a task: the config's defaults grow too. */
export function attemptSlurmResources(task: Task, slurm: SlurmConfig, attempt: number): Task["resources"] {
  const eff = effectiveResources(task.resources, slurm);
  const given = attemptResources({ ...task.resources, ...(eff.mem !== undefined ? { mem: eff.mem } : {}), ...(eff.time !== undefined ? { time: eff.time } : {}) }, attempt);
  const { memRetries: _m, timeRetries: _t, grow: _g, ...rest } = task.resources;
  return { ...rest, ...(given.memMb ? { mem: given.memMb } : {}), ...(given.timeS ? { time: given.timeS } : {}) };
}

function withRetryJobs(jobs: BundleJob[], slurm: SlurmConfig, tasksOf: Map<BundleJob, readonly Task[]>): PlannedJobs {
  const joinOf = new Map<string, string>();
  const out: BundleJob[] = [];
  const outTasks = new Map<BundleJob, readonly Task[]>();
  const names = new Set(jobs.map((j) => j.name));
  const add = (job: BundleJob, tasks: readonly Task[]) => {
    out.push(job);
    outTasks.set(job, tasks);
  };
  for (const job of jobs) {
    const tasks = tasksOf.get(job)!;
    const first = tasks[0]!;
    // Dependents of a job with retries wait on its join.
    const after = job.after.map((a) => (joinOf.has(a.job) ? { job: joinOf.get(a.job)!, type: "afterok" as const } : a));
    if (!growsOnRetry(first)) {
      add({ ...job, after }, tasks);
      continue;
    }
    const attempts = [job.name];
    const tries: BundleJob[] = [];
    for (let k = 2; k <= first.retries + 1; k++) {
      const name = unique(`${job.name}-try${k}`, names);
      tries.push({
        ...job,
        name,
        script: `jobs/${name}.sh`,
        options: sbatchOptions(attemptSlurmResources(first, slurm, k), slurm),
        after: [...after, ...attempts.map((a) => ({ job: a, type: "afternotok" as const }))],
        attempt: k,
        retryOf: job.name,
      });
      attempts.push(name);
    }
    const join = unique(`${job.name}-ok`, names);
    joinOf.set(job.name, join);
    add({ ...job, after, join: { name: join, script: `jobs/${join}.sh`, attempts } }, tasks);
    for (const t of tries) add(t, tasks);
  }
  return { jobs: out, tasksOf: outTasks };
}

/** How many sets `groupTasks` compares a task with before it looks its set up by key. */
const RECENT_SETS = 4;

/** Tasks by (group, action, retries, options), in plan order. */
function groupTasks(plan: Plan, slurm: SlurmConfig): TaskSet[] {
  const sets = new Map<string, TaskSet>();
  // The tasks of a sweep share their resources: the options are made once per distinct resources.
  const optionsOf = new Map<string, { options: string[]; key: string }>();
  // The sets of the last few tasks: a sweep's tasks come one after another, or take turns
  // (the steps of a pipeline called per element), and a task like one of them needs no key.
  const recent: { task: Task; own: string; set: TaskSet }[] = [];
  // Tasks of a call share their resources object (plan/expand.ts): its JSON is made once.
  let resources: Task["resources"] | undefined;
  let own = "";
  tasks: for (const t of plan.tasks) {
    const r = t.resources;
    if (r !== resources) own = JSON.stringify((resources = r));
    for (const last of recent) {
      if (t.group === last.task.group && t.action === last.task.action && t.retries === last.task.retries && own === last.own) {
        last.set.tasks.push(t);
        last.task = t;
        continue tasks;
      }
    }
    let made = optionsOf.get(own);
    if (!made) {
      const options = sbatchOptions(r, slurm);
      optionsOf.set(own, (made = { options, key: JSON.stringify([options, r.memRetries, r.timeRetries, r.grow]) }));
    }
    // Neither a group nor an action holds a NUL (an id's values are in its labels, which the group lacks).
    const key = `${t.group}\0${t.action}\0${t.retries}\0${made.key}`;
    let set = sets.get(key);
    if (set) set.tasks.push(t);
    else sets.set(key, (set = { group: t.group, options: made.options, tasks: [t] }));
    if (recent.unshift({ task: t, own, set }) > RECENT_SETS) recent.pop();
  }
  return [...sets.values()];
}

/**
 * Orders a set whose tasks each depend on exactly one task of an upstream set of the same
 * size, one to one, like that set, so that equal array indices correspond. An upstream set
 * starts earlier in the plan than its dependents, so it is already in its final order.
 */
function alignSets(sets: TaskSet[]): TaskSet[] {
  // Only a set as large as another can line up with it.
  const sizes = new Map<number, number>();
  for (const s of sets) sizes.set(s.tasks.length, (sizes.get(s.tasks.length) ?? 0) + 1);
  if (![...sizes.values()].some((n) => n > 1)) return sets;
  // Each set by its first task: a sweep's step after another, each task reading only the
  // task of its index there, lines up already, which is found without a map of every task.
  const byFirst = new Map<string, TaskSet>();
  for (const s of sets) byFirst.set(s.tasks[0]!.id, s);
  let setOf: Map<string, TaskSet> | undefined;
  for (const set of sets) {
    if (sizes.get(set.tasks.length)! < 2 || set.tasks[0]!.deps.length === 0) continue;
    const along = byFirst.get(set.tasks[0]!.deps[0]!);
    if (along && along !== set && along.tasks.length === set.tasks.length && set.tasks.every((t, i) => t.deps.length === 1 && t.deps[0] === along.tasks[i]!.id)) continue;
    if (!setOf) {
      setOf = new Map();
      for (const s of sets) if (sizes.get(s.tasks.length)! > 1) for (const t of s.tasks) setOf.set(t.id, s);
    }
    const setOfTask: ReadonlyMap<string, TaskSet> = setOf;
    const candidates = [...new Set(set.tasks[0]!.deps.map((d) => setOfTask.get(d)))].filter((u): u is TaskSet => u !== undefined && u !== set && u.tasks.length === set.tasks.length);
    for (const up of candidates) {
      const partner = set.tasks.map((t) => onlyDepIn(t, up, setOfTask));
      if (partner.includes(undefined)) continue;
      // Mostly in that order already (a loop over a sweep's outputs is planned in their order),
      // and then one to one, as the upstream tasks are distinct.
      if (partner.every((p, i) => p === up.tasks[i]!.id)) break;
      if (new Set(partner).size !== set.tasks.length) continue;
      const position = new Map(up.tasks.map((t, i) => [t.id, i]));
      const index = new Map(set.tasks.map((t, i) => [t.id, position.get(partner[i]!)!]));
      set.tasks = [...set.tasks].sort((a, b) => index.get(a.id)! - index.get(b.id)!);
      break;
    }
  }
  return sets;
}

/** The one dependency of `task` in `up`; undefined when it has none there, or several. */
function onlyDepIn(task: Task, up: TaskSet, setOf: ReadonlyMap<string, TaskSet>): string | undefined {
  let found: string | undefined;
  for (const d of task.deps) {
    if (setOf.get(d) !== up) continue;
    if (found !== undefined) return undefined;
    found = d;
  }
  return found;
}

function dependencyType(job: BundleJob, up: BundleJob, tasksOf: ReadonlyMap<BundleJob, readonly Task[]>): DependencyType {
  if (!job.array || !up.array || job.tasks.length !== up.tasks.length) return "afterok";
  const upIds = new Set(up.tasks.map((t) => t.id));
  const corresponds = tasksOf.get(job)!.every((t, i) => {
    const inUp = t.deps.filter((d) => upIds.has(d));
    return inUp.length === 1 && inUp[0] === up.tasks[i]!.id;
  });
  return corresponds ? "aftercorr" : "afterok";
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `main/inner/t` → `inner-t`: the entry's name is on every task, so it is left out. */
function jobBaseName(group: string, entry: string): string {
  const local = group.startsWith(`${entry}/`) ? group.slice(entry.length + 1) : group;
  return local.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "job";
}

function unique(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate); n++) candidate = `${name}-${n}`;
  used.add(candidate);
  return candidate;
}

/**
 * Every job after its upstream jobs, otherwise in plan order (hand-written rather than
 * graphlib's topsort, whose depth-first order from the sinks makes submit.sh hard to read).
 * Jobs follow the plan's task DAG, so their graph has no cycle.
 */
function submissionOrder(jobs: BundleJob[]): BundleJob[] {
  const waiting = new Map(jobs.map((j) => [j.name, j.after.length]));
  const downstream = new Map<string, BundleJob[]>(jobs.map((j) => [j.name, []]));
  for (const j of jobs) for (const a of j.after) downstream.get(a.job)!.push(j);
  const position = new Map(jobs.map((j, i) => [j.name, i]));
  const ready = jobs.filter((j) => j.after.length === 0);
  const order: BundleJob[] = [];
  while (ready.length) {
    const next = ready.shift()!;
    order.push(next);
    for (const d of downstream.get(next.name)!) {
      const left = waiting.get(d.name)! - 1;
      waiting.set(d.name, left);
      if (left === 0) ready.splice(sortedIndex(ready, position.get(d.name)!, position), 0, d);
    }
  }
  return order;
}

function sortedIndex(ready: readonly BundleJob[], at: number, position: ReadonlyMap<string, number>): number {
  let lo = 0;
  let hi = ready.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (position.get(ready[mid]!.name)! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
