// The short causes of `pipe plan` (diff/plan-causes.ts) where nothing has a cause of its own:
// a rerun begins at tasks new to the store, and a task downstream of several names the first
// in plan order and counts the rest, however its dependencies are listed.
import { describe, expect, it } from "vitest";
import { planCauses } from "../../src/diff/plan-causes.js";
import type { Plan, Task } from "../../src/plan/plan.js";
import type { RunDecision } from "../../src/plan/state.js";

function planOf(tasks: { id: string; deps: string[] }[]): Plan {
  return { tasks: tasks.map((t) => ({ ...t, key: `k-${t.id}`, action: "a", args: {} }) as unknown as Task), actions: {} } as unknown as Plan;
}

const decide = (plan: Plan, cached: readonly string[]): RunDecision[] => plan.tasks.map((task) => (cached.includes(task.id) ? { task, run: false } : { task, run: true, reason: "new key" }));

describe("planCauses", () => {
  it("names the first new root in plan order and counts the others, for deps listed in any order", () => {
    const roots = Array.from({ length: 12 }, (_, i) => `main/t[i=${i}]`);
    const plan = planOf([{ id: "main/old", deps: [] }, ...roots.map((id) => ({ id, deps: [] })), { id: "main/pick", deps: [...roots].sort().reverse() }, { id: "main/after", deps: ["main/pick"] }]);
    const causes = planCauses(plan, decide(plan, ["main/old"]), () => new Map());
    expect(causes.slice(0, 13)).toEqual(new Array(13).fill(undefined));
    expect(causes.slice(13)).toEqual(["upstream main/t[i=0] and 11 more (new)", "upstream main/t[i=0] and 11 more (new)"]);
  });

  it("names nothing when nothing is cached: every rerun is simply new", () => {
    const plan = planOf([{ id: "main/a", deps: [] }, { id: "main/b", deps: [] }, { id: "main/c", deps: ["main/b", "main/a"] }]);
    expect(planCauses(plan, decide(plan, []), () => new Map())).toEqual([undefined, undefined, undefined]);
  });

  it("names the one root of a chain, with no count", () => {
    const plan = planOf([{ id: "main/x", deps: [] }, { id: "main/a", deps: [] }, { id: "main/b", deps: ["main/a"] }, { id: "main/c", deps: ["main/b", "main/x"] }]);
    expect(planCauses(plan, decide(plan, ["main/x"]), () => new Map())).toEqual([undefined, undefined, "upstream main/a (new)", "upstream main/a (new)"]);
  });
});
