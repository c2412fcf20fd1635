// The local backend's scheduler, with no process in sight: readiness and plan order, the
// resource pool and --jobs, queueing behind a task of the same need, GPUs, retries, stop
// rules, lock waits; and a property test driving it over random plans and outcomes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { needOf, sameNeed, Scheduler, type Decision, type LocalLimits, type Outcome, type Schedulable } from "../../src/backends/local/scheduler.js";

interface T extends Schedulable {
  readonly resources: { readonly cpus?: number; readonly mem?: number; readonly gpus?: number };
}

const task = (id: string, deps: string[] = [], resources: T["resources"] = {}, retries = 0): T => ({ id, deps, resources, retries });
const limits = (l: Partial<LocalLimits> = {}): LocalLimits => ({ jobs: 4, cpus: 4, memMb: 1000, gpus: [], ...l });
const runAll = (tasks: T[]) => tasks.map((t) => ({ task: t, run: true }));

/** Every decision until the scheduler waits, each carried out (launched). */
function drain(s: Scheduler<T>): Decision<T>[] {
  const out: Decision<T>[] = [];
  for (let d = s.next(); d; d = s.next()) {
    s.launching(d.task.id);
    out.push(d);
  }
  return out;
}
const show = (ds: Decision<T>[]) => ds.map((d) => (d.kind === "start" ? `start ${d.task.id}${d.gpus.length ? ` [${d.gpus.join(",")}]` : ""}` : `queue ${d.task.id} behind ${d.behind}`));

describe("readiness and plan order", () => {
  it("starts ready tasks in plan order, a task once the tasks it depends on are done; cached upstreams are satisfied", () => {
    const tasks = [task("a"), task("b", ["a"]), task("c"), task("d", ["b", "c"]), task("e", ["x"]), task("x")];
    const s = new Scheduler(
      tasks.map((t) => ({ task: t, run: t.id !== "x" })),
      limits({ jobs: 10, cpus: 10 }),
      false,
    );
    expect(show(drain(s))).toEqual(["start a", "start c", "start e"]);
    expect(s.finished("c", "ok").state).toBe("done");
    expect(drain(s)).toEqual([]);
    s.finished("a", "ok");
    expect(show(drain(s))).toEqual(["start b"]);
    s.finished("b", "ok");
    expect(show(drain(s))).toEqual(["start d"]);
    expect(s.over).toBe(false);
    s.finished("d", "ok");
    s.finished("e", "ok");
    expect(s.over).toBe(true);
    expect(s.end()).toBe("ok");
    expect(tasks.map((t) => s.state(t.id).state)).toEqual(["done", "done", "done", "done", "done", "cached"]);
  });

  it("serves a task made ready later before later ones of the plan that were ready already", () => {
    const s = new Scheduler(runAll([task("a"), task("b", ["a"]), task("c"), task("d")]), limits({ jobs: 1, cpus: 1 }), false);
    expect(show(drain(s))).toEqual(["start a", "queue c behind a"]);
    s.finished("a", "ok");
    expect(show(drain(s))).toEqual(["queue b behind c"]);
  });
});

describe("resources and --jobs", () => {
  it("-j bounds the tasks holding resources; a task that does not fit lets later ones that do go first", () => {
    const s = new Scheduler(runAll([task("a", [], { cpus: 2 }), task("big", [], { cpus: 3 }), task("c"), task("d"), task("e")]), limits({ jobs: 3, cpus: 4 }), false);
    // e could wait behind c, but big comes first in plan order and can wait nowhere.
    expect(show(drain(s))).toEqual(["start a", "start c", "start d"]);
    s.finished("a", "ok");
    expect(show(drain(s))).toEqual(["start e"]);
    s.finished("c", "ok");
    expect(drain(s)).toEqual([]);
    s.finished("d", "ok");
    expect(show(drain(s))).toEqual(["start big"]);
  });

  it("memory counts as cpus do", () => {
    const s = new Scheduler(runAll([task("a", [], { mem: 600 }), task("b", [], { mem: 700 }), task("c", [], { mem: 300 })]), limits({ jobs: 4, memMb: 1000 }), false);
    expect(show(drain(s))).toEqual(["start a", "start c"]);
    s.finished("a", "ok");
    expect(show(drain(s))).toEqual(["start b"]);
  });
});

describe("queueing behind a task of the same need", () => {
  it("queues a ready task behind a running one, which hands its resources over when it ends", () => {
    const s = new Scheduler(runAll([task("a"), task("b"), task("c"), task("d")]), limits({ jobs: 1, cpus: 1 }), false);
    expect(show(drain(s))).toEqual(["start a", "queue b behind a"]);
    s.finished("a", "ok");
    // b now holds a's cpu, so c waits behind b; nothing starts on its own.
    expect(show(drain(s))).toEqual(["queue c behind b"]);
    s.finished("b", "ok");
    expect(show(drain(s))).toEqual(["queue d behind c"]);
    s.finished("c", "ok");
    s.finished("d", "ok");
    expect(s.over).toBe(true);
  });

  it("in plan order: a task that can wait nowhere stops the queueing", () => {
    const s = new Scheduler(runAll([task("a"), task("big", [], { cpus: 2 }), task("c")]), limits({ jobs: 1, cpus: 4 }), false);
    expect(show(drain(s))).toEqual(["start a"]);
    s.finished("a", "ok");
    expect(show(drain(s))).toEqual(["start big"]);
    // c needs 1 cpu, big 2: c waits for a launcher of its own.
    expect(drain(s)).toEqual([]);
    s.finished("big", "ok");
    expect(show(drain(s))).toEqual(["start c"]);
  });

  it("never queues behind or queues a GPU task", () => {
    const s = new Scheduler(runAll([task("g", [], { gpus: 1 }), task("h", [], { gpus: 1 }), task("a")]), limits({ jobs: 1, gpus: ["0", "1"] }), false);
    expect(show(drain(s))).toEqual(["start g [0]"]);
    s.finished("g", "ok");
    // Ids go back to the end of the pool.
    expect(show(drain(s))).toEqual(["start h [1]"]);
  });

  it("after a failure, the task queued behind takes over unless the run stopped; then it is dropped unrun", () => {
    const going = new Scheduler(runAll([task("a"), task("b"), task("c")]), limits({ jobs: 1, cpus: 1 }), true);
    expect(show(drain(going))).toEqual(["start a", "queue b behind a"]);
    expect(going.finished("a", "failed")).toEqual({ state: "failed", retrying: false, skipped: [] });
    expect(show(drain(going))).toEqual(["queue c behind b"]);

    const stopping = new Scheduler(runAll([task("a"), task("b"), task("c")]), limits({ jobs: 1, cpus: 1 }), false);
    drain(stopping);
    expect(stopping.finished("a", "failed")).toMatchObject({ state: "failed", stopped: "failure" });
    expect(stopping.next()).toBeUndefined();
    expect(stopping.over).toBe(false);
    expect(stopping.finished("b", "unrun").state).toBe("cancelled");
    expect(stopping.state("b")).toEqual({ state: "cancelled", attempts: 0 });
    expect(stopping.over).toBe(true);
    expect(stopping.end()).toBe("failed");
    expect(stopping.state("c").state).toBe("cancelled");
  });
});

describe("GPUs", () => {
  it("hands out distinct ids and takes them back; a withdrawn start gives them back in their order", () => {
    const s = new Scheduler(runAll([task("g1", [], { gpus: 2 }), task("g2", [], { gpus: 2 }), task("g3", [], { gpus: 1 })]), limits({ gpus: ["0", "1", "2"] }), false);
    expect(show(drain(s))).toEqual(["start g1 [0,1]", "start g3 [2]"]);
    s.finished("g1", "ok");
    const d = s.next();
    expect(d).toMatchObject({ kind: "start", gpus: ["0", "1"] });
    s.lockBusy("g2");
    s.finished("g3", "ok");
    s.lockFreed("g2");
    expect(show(drain(s))).toEqual(["start g2 [0,1]"]);
  });
});

describe("retries", () => {
  it("retries a failed task while it has retries left, in place in plan order", () => {
    const s = new Scheduler(runAll([task("a", [], {}, 2), task("b", ["a"])]), limits(), false);
    expect(show(drain(s))).toEqual(["start a"]);
    expect(s.finished("a", "failed")).toEqual({ state: "pending", retrying: true, skipped: [] });
    expect(show(drain(s))).toEqual(["start a"]);
    expect(s.finished("a", "failed").retrying).toBe(true);
    drain(s);
    expect(s.state("a")).toEqual({ state: "pending", attempts: 3 });
    expect(s.finished("a", "ok").state).toBe("done");
    expect(show(drain(s))).toEqual(["start b"]);
  });

  it("runs out of retries; a refused task (its files changed) is never retried", () => {
    const s = new Scheduler(runAll([task("a", [], {}, 1), task("r", [], {}, 5)]), limits(), true);
    drain(s);
    s.finished("a", "failed");
    expect(s.finished("r", "refused")).toMatchObject({ state: "failed", retrying: false });
    drain(s);
    expect(s.finished("a", "failed")).toMatchObject({ state: "failed", retrying: false });
    expect(s.over).toBe(true);
    expect(s.state("a").attempts).toBe(2);
    expect(s.state("r").attempts).toBe(1);
  });

  it("retries nothing once the run stopped", () => {
    const s = new Scheduler(runAll([task("a"), task("b", [], {}, 3)]), limits(), false);
    drain(s);
    expect(s.finished("a", "failed").stopped).toBe("failure");
    expect(s.finished("b", "failed")).toEqual({ state: "cancelled", retrying: false, skipped: [] });
    expect(s.over).toBe(true);
  });
});

describe("stop rules", () => {
  const plan = () => runAll([task("a"), task("a2", ["a"]), task("a3", ["a2"]), task("b"), task("c", ["b"]), task("late")]);

  it("fail-fast: the failure's dependents are skipped, nothing new starts, what is pending ends cancelled", () => {
    const s = new Scheduler(plan(), limits({ jobs: 2 }), false);
    expect(show(drain(s))).toEqual(["start a", "start b", "queue late behind a"]);
    const f = s.finished("a", "failed");
    expect(f).toEqual({ state: "failed", retrying: false, skipped: ["a2", "a3"], stopped: "failure" });
    expect(s.state("a3")).toEqual({ state: "skipped", reason: "upstream a failed", attempts: 0 });
    expect(s.pending).toBe(3); // b running, late dropped with a's launcher, c waiting on b
    s.finished("late", "unrun");
    expect(s.finished("b", "ok").state).toBe("done");
    expect(s.next()).toBeUndefined();
    expect(s.over).toBe(true);
    expect(s.end()).toBe("failed");
    expect(s.state("c").state).toBe("cancelled");
    expect(s.state("late")).toEqual({ state: "cancelled", attempts: 0 });
  });

  it("keep-going: everything that does not depend on the failure runs", () => {
    const s = new Scheduler(plan(), limits({ jobs: 2 }), true);
    drain(s);
    expect(s.finished("a", "failed")).toEqual({ state: "failed", retrying: false, skipped: ["a2", "a3"] });
    s.finished("b", "ok");
    s.finished("late", "ok");
    expect(show(drain(s))).toEqual(["start c"]);
    s.finished("c", "ok");
    expect(s.over).toBe(true);
    expect(s.end()).toBe("failed");
  });

  it("interrupt: once; running tasks end interrupted, the rest too", () => {
    const s = new Scheduler(plan(), limits({ jobs: 1 }), true);
    drain(s);
    expect(s.interrupt()).toBe(true);
    expect(s.interrupt()).toBe(false);
    expect(s.stopped).toBe("interrupt");
    expect(s.next()).toBeUndefined();
    expect(s.finished("a", "failed").state).toBe("interrupted");
    expect(s.over).toBe(false);
    // b was queued behind a: dropped unrun, never attempted.
    expect(s.finished("b", "unrun").state).toBe("interrupted");
    expect(s.state("b").attempts).toBe(0);
    expect(s.over).toBe(true);
    expect(s.end()).toBe("interrupted");
    expect(["a", "a2", "a3", "b", "c", "late"].map((id) => s.state(id).state)).toEqual(Array(6).fill("interrupted"));
  });
});

describe("another run's key lock", () => {
  it("a task waiting on it holds nothing, starts when it is free, and is cached when the other run computed its key", () => {
    const s = new Scheduler(runAll([task("a"), task("b"), task("c", ["b"])]), limits({ jobs: 1, cpus: 1 }), false);
    expect(s.next()).toMatchObject({ kind: "start", task: { id: "a" } });
    s.lockBusy("a");
    expect(s.over).toBe(false);
    expect(s.next()).toMatchObject({ kind: "start", task: { id: "b" } });
    s.lockBusy("b");
    expect(s.next()).toBeUndefined();
    s.lockFreed("a");
    expect(show(drain(s))).toEqual(["start a"]);
    s.computedElsewhere("b");
    expect(s.state("b")).toEqual({ state: "cached", reason: "computed by a concurrent run", attempts: 0 });
    expect(show(drain(s))).toEqual(["queue c behind a"]);
  });

  it("a key found computed when a task is to start: cached, and its resources free", () => {
    const s = new Scheduler(runAll([task("a"), task("b")]), limits({ jobs: 1, cpus: 1 }), false);
    s.next();
    s.computedElsewhere("a");
    expect(show(drain(s))).toEqual(["start b"]);
  });

  it("a stop ends the wait: the waiting task ends as what is pending does", () => {
    const s = new Scheduler(runAll([task("a")]), limits(), false);
    s.next();
    s.lockBusy("a");
    expect(s.over).toBe(false);
    s.interrupt();
    expect(s.over).toBe(true);
    s.lockFreed("a");
    s.computedElsewhere("a");
    expect(s.next()).toBeUndefined();
    expect(s.pending).toBe(1);
    s.end();
    expect(s.state("a").state).toBe("interrupted");
  });
});

describe("a chain of 500,000 tasks whose first fails", () => {
  it("skips the rest without overflowing the stack", () => {
    const n = 500_000;
    const tasks = Array.from({ length: n }, (_, i) => task(`t${i}`, i ? [`t${i - 1}`] : []));
    const s = new Scheduler(runAll(tasks), limits(), true);
    expect(show(drain(s))).toEqual(["start t0"]);
    const f = s.finished("t0", "failed");
    expect(f.skipped).toHaveLength(n - 1);
    expect(f.skipped[0]).toBe("t1");
    expect(f.skipped[n - 2]).toBe(`t${n - 1}`);
    expect(s.state(`t${n - 1}`)).toEqual({ state: "skipped", reason: "upstream t0 failed", attempts: 0 });
    expect(s.pending).toBe(0);
    expect(s.over).toBe(true);
  });
});

describe("over random plans, resources and outcomes", () => {
  const plans = fc
    .record({
      tasks: fc.array(
        fc.record({
          deps: fc.array(fc.nat(), { maxLength: 3 }),
          cpus: fc.integer({ min: 1, max: 3 }),
          mem: fc.constantFrom(0, 100, 200),
          gpus: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
          retries: fc.integer({ min: 0, max: 2 }),
        }),
        { minLength: 1, maxLength: 25 },
      ),
      jobs: fc.integer({ min: 1, max: 4 }),
      cpus: fc.integer({ min: 3, max: 6 }),
      memMb: fc.integer({ min: 200, max: 400 }),
      gpus: fc.integer({ min: 0, max: 3 }),
      keepGoing: fc.boolean(),
      choices: fc.array(fc.nat({ max: 999 }), { minLength: 1, maxLength: 400 }),
    })
    .map((r) => {
      const gpus = Array.from({ length: r.gpus }, (_, i) => `g${i}`);
      const tasks = r.tasks.map((t, i) => ({
        task: task(`t${i}`, i ? [...new Set(t.deps.map((d) => `t${d % i}`))] : [], { cpus: t.cpus, mem: t.mem, gpus: Math.min(t.gpus, r.gpus) }, t.retries),
        run: true,
      }));
      return { ...r, plan: tasks, limits: { jobs: r.jobs, cpus: r.cpus, memMb: r.memMb, gpus } };
    });

  it("never goes over the limits; every task ends in one final state; a failure's dependents are skipped; nothing starts after a stop", () => {
    fc.assert(
      fc.property(plans, fc.boolean(), ({ plan, limits, keepGoing, choices }, withCache) => {
        const input = plan.map((p, i) => ({ ...p, run: !(withCache && i % 3 === 1) }));
        const byId = new Map(input.map((p) => [p.task.id, p]));
        const s = new Scheduler(input, limits, keepGoing);
        let n = 0;
        const pick = () => choices[n++ % choices.length]! + n;
        // The model: each task handed over, with its GPU ids, and the task it waits behind (undefined once it holds resources).
        const handed = new Map<string, { host: string | undefined; gpus: readonly string[] }>();
        const locked = new Set<string>();
        const launches = new Map<string, number>();
        let interrupted = false;
        let triedInterrupt = false;

        const checkLimits = () => {
          const holders = [...handed].filter(([, h]) => h.host === undefined).map(([id, h]) => ({ need: needOf(byId.get(id)!.task), gpus: h.gpus }));
          expect(holders.length).toBeLessThanOrEqual(limits.jobs);
          expect(holders.reduce((a, h) => a + h.need.cpus, 0)).toBeLessThanOrEqual(limits.cpus);
          expect(holders.reduce((a, h) => a + h.need.memMb, 0)).toBeLessThanOrEqual(limits.memMb);
          const ids = holders.flatMap((h) => h.gpus);
          expect(new Set(ids).size).toBe(ids.length);
          for (const g of ids) expect(limits.gpus).toContain(g);
        };
        const finish = (id: string, outcome: Outcome) => {
          const f = s.finished(id, outcome);
          handed.delete(id);
          const follower = [...handed].find(([, h]) => h.host === id)?.[0];
          if (follower && s.stopped) finish(follower, "unrun");
          else if (follower) handed.get(follower)!.host = undefined;
          if (f.state === "failed") for (const d of f.skipped) expect(s.state(d)).toMatchObject({ state: "skipped", reason: `upstream ${id} failed` });
        };

        for (let step = 0; step < 10_000; step++) {
          for (let d = s.next(); d; d = s.next()) {
            const id = d.task.id;
            expect(s.stopped).toBeUndefined();
            expect(s.state(id).state).toBe("pending");
            expect(handed.has(id) || locked.has(id)).toBe(false);
            for (const dep of d.task.deps) expect(["done", "cached"]).toContain(s.state(dep).state);
            const need = needOf(d.task);
            if (d.kind === "queue") {
              const host = handed.get(d.behind);
              expect(host?.host).toBeUndefined();
              expect(host).toBeDefined();
              expect([...handed.values()].some((h) => h.host === d.behind)).toBe(false);
              expect(sameNeed(need, needOf(byId.get(d.behind)!.task))).toBe(true);
            } else expect(d.gpus).toHaveLength(need.gpus);
            const c = pick() % 12;
            if (c === 0) {
              s.lockBusy(id);
              locked.add(id);
              continue;
            }
            if (c === 1) {
              s.computedElsewhere(id);
              continue;
            }
            s.launching(id);
            launches.set(id, (launches.get(id) ?? 0) + 1);
            handed.set(id, { host: d.kind === "queue" ? d.behind : undefined, gpus: d.kind === "start" ? d.gpus : [] });
            checkLimits();
            // Refused by the check of its files, before it reached its launcher.
            if (c === 2) finish(id, "refused");
          }
          checkLimits();
          if (s.over) break;
          const running = [...handed].filter(([, h]) => h.host === undefined).map(([id]) => id);
          const c = pick();
          if (!triedInterrupt && c % 29 === 0) {
            triedInterrupt = true;
            // After a failure's stop an interrupt changes nothing.
            const before = s.stopped;
            interrupted = s.interrupt();
            expect(interrupted).toBe(before === undefined);
            locked.clear();
          } else if (locked.size && (c % 3 === 0 || running.length === 0)) {
            const id = [...locked][c % locked.size]!;
            locked.delete(id);
            if (c % 2) s.lockFreed(id);
            else s.computedElsewhere(id);
          } else {
            expect(running.length).toBeGreaterThan(0);
            const id = running[c % running.length]!;
            finish(id, (["ok", "ok", "failed", "unrun"] as const)[c % 4]!);
          }
        }
        expect(s.over).toBe(true);
        expect(handed.size).toBe(0);
        const status = s.end();
        const states = new Map(input.map((p) => [p.task.id, s.state(p.task.id)]));
        for (const p of input) {
          const st = states.get(p.task.id)!;
          expect(["cached", "done", "failed", "skipped", "cancelled", "interrupted"]).toContain(st.state);
          if (!p.run) expect(st.state).toBe("cached");
          expect(st.attempts).toBeLessThanOrEqual(p.task.retries + 1);
          if (st.state === "done") for (const d of p.task.deps) expect(["done", "cached"]).toContain(states.get(d)!.state);
          if (st.state === "failed") for (const q of input) if (q.run && q.task.deps.includes(p.task.id)) expect(states.get(q.task.id)!.state).toBe("skipped");
          if (!s.stopped) expect(["cancelled", "interrupted"]).not.toContain(st.state);
        }
        const failed = [...states.values()].some((st) => st.state === "failed");
        expect(status).toBe(interrupted ? "interrupted" : failed ? "failed" : "ok");
        if (!keepGoing && failed && !interrupted) expect(s.stopped).toBe("failure");
      }),
      { numRuns: 300 },
    );
  });
});

describe("dynamic loops", () => {
  const drainAll = (s: Scheduler<T>): string[] => {
    const out: string[] = [];
    for (let d = s.next(); d; d = s.next()) {
      if (d.kind === "expand") {
        out.push(`expand ${d.loop}`);
        continue;
      }
      s.launching(d.task.id);
      out.push(`${d.kind} ${d.task.id}`);
    }
    return out;
  };

  it("expands a loop once its upstream task has succeeded; the run is not over while it expands; its tasks run after", () => {
    // x needs more than s: it cannot wait behind it, and starts once s has ended.
    const s = new Scheduler(runAll([task("s"), task("x", [], { cpus: 2 })]), limits({ jobs: 1, cpus: 2 }), false);
    s.addExpansion("main/w", ["s"]);
    expect(drainAll(s)).toEqual(["start s"]);
    s.finished("s", "ok");
    expect(drainAll(s)).toEqual(["expand main/w", "start x"]);
    expect(s.over).toBe(false);
    expect(s.pending).toBe(1);
    const skipped = s.expanded(["main/w"], runAll([task("w1", ["s"]), task("w2", ["s"]), task("c", ["w1", "w2", "x"])]));
    expect(skipped).toEqual([]);
    expect(s.pending).toBe(4);
    s.finished("x", "ok");
    expect(drainAll(s)).toEqual(["start w1", "queue w2"]);
    s.finished("w1", "ok");
    expect(drainAll(s)).toEqual([]);
    s.finished("w2", "ok");
    expect(drainAll(s)).toEqual(["start c"]);
    s.finished("c", "ok");
    expect(s.over).toBe(true);
    expect(s.end()).toBe("ok");
  });

  it("an upstream cached from the start makes the loop ready at once; an expansion with cached tasks only runs nothing", () => {
    const s = new Scheduler([{ task: task("s"), run: false }], limits(), false);
    s.addExpansion("main/w", ["s"]);
    expect(drainAll(s)).toEqual(["expand main/w"]);
    s.expanded(["main/w"], [{ task: task("w1", ["s"]), run: false }]);
    expect(drainAll(s)).toEqual([]);
    expect(s.state("w1").state).toBe("cached");
    expect(s.over).toBe(true);
  });

  it("a failed upstream skips the expansion; an expansion that fails fails the run and stops it unless it keeps going", () => {
    const s = new Scheduler(runAll([task("s"), task("t", [], { cpus: 2 })]), limits({ jobs: 1, cpus: 2 }), true);
    s.addExpansion("main/w", ["s"]);
    s.addExpansion("main/v", ["t"]);
    expect(drainAll(s)).toEqual(["start s"]);
    s.finished("s", "failed");
    expect(drainAll(s)).toEqual(["start t"]);
    s.finished("t", "ok");
    expect(drainAll(s)).toEqual(["expand main/v"]);
    expect(s.expansionFailed("main/v")).toEqual({});
    expect(s.expansionStates()).toEqual([
      { id: "main/w", state: "skipped" },
      { id: "main/v", state: "failed" },
    ]);
    expect(s.over).toBe(true);
    expect(s.end()).toBe("failed");

    const stopping = new Scheduler(runAll([task("s"), task("y", [], { cpus: 2 })]), limits({ jobs: 1, cpus: 2 }), false);
    stopping.addExpansion("main/w", ["s"]);
    drainAll(stopping);
    stopping.finished("s", "ok");
    expect(drainAll(stopping)).toEqual(["expand main/w", "start y"]);
    expect(stopping.expansionFailed("main/w")).toEqual({ stopped: "failure" });
    expect(stopping.next()).toBeUndefined();
  });

  it("a task an expansion adds whose upstream failed is skipped, and one added after a stop stays pending until the end", () => {
    const s = new Scheduler(runAll([task("s"), task("bad")]), limits({ jobs: 2 }), true);
    s.addExpansion("main/w", ["s"]);
    drainAll(s);
    s.finished("bad", "failed");
    s.finished("s", "ok");
    expect(drainAll(s)).toEqual(["expand main/w"]);
    expect(s.expanded(["main/w"], runAll([task("w1", ["s", "bad"]), task("w2", ["s"])]))).toEqual([{ task: "w1", because: "bad" }]);
    expect(drainAll(s)).toEqual(["start w2"]);

    const stopped = new Scheduler(runAll([task("s")]), limits(), false);
    stopped.addExpansion("main/w", ["s"]);
    drainAll(stopped);
    stopped.finished("s", "ok");
    expect(drainAll(stopped)).toEqual(["expand main/w"]);
    stopped.interrupt();
    stopped.expanded(["main/w"], runAll([task("w1", ["s"])]));
    expect(stopped.next()).toBeUndefined();
    expect(stopped.over).toBe(true);
    expect(stopped.end()).toBe("interrupted");
    expect(stopped.state("w1").state).toBe("interrupted");
  });
});
