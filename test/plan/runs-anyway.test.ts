// The rule "which tasks run whatever the store holds" (`cache = false`, `--force`, and what
// is downstream of those), written once in plan/state.ts: `pipe plan` and `pipe run` read it
// through planStates, a Slurm bundle through the `force` flag of its tasks.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emitSlurm } from "../../src/backends/slurm/index.js";
import { ConfigSchema } from "../../src/config/index.js";
import { planStates, runsAnyway } from "../../src/plan/state.js";
import { cleanProjects, mustPlan, project, writeFiles } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const MAIN = `
action fetch() -> (o: File) {
  cache = false
  shell "date > ~{out.o}"
}
action step(i: Int) -> (o: File) { shell "echo ~{i} > ~{out.o}" }
action use(f: File) -> (o: File) { shell "cp ~{f} ~{out.o}" }
action both(a: File, b: File) -> (o: File) { shell "cat ~{a} ~{b} > ~{out.o}" }
pipeline main() {
  let f = fetch()
  let u = use(f = f.o)
  let uu = use(f = u.o)
  let x = step(i = 1)
  let xu = use(f = x.o)
  let y = step(i = 2)
  let b = both(a = y.o, b = uu.o)
  let c = both(a = xu.o, b = u.o)
}
`;

describe("runsAnyway", () => {
  it("cache = false, forced, and everything downstream of those, naming the first upstream task that reruns", async () => {
    const plan = await mustPlan(project({ "main.pipe": MAIN }));
    expect(Object.fromEntries(runsAnyway(plan))).toEqual({
      "main/f": { reason: "cache = false" },
      "main/u": { reason: "upstream reruns", because: "main/f" },
      "main/uu": { reason: "upstream reruns", because: "main/u" },
      "main/b": { reason: "upstream reruns", because: "main/uu" },
      "main/c": { reason: "upstream reruns", because: "main/u" },
    });
    expect(plan.tasks.find((t) => t.id === "main/c")!.deps).toEqual(["main/u", "main/xu"]);
    expect(Object.fromEntries(runsAnyway(plan, ["main/x", "main/f"]))).toEqual({
      // cache = false comes before --force.
      "main/f": { reason: "cache = false" },
      "main/u": { reason: "upstream reruns", because: "main/f" },
      "main/uu": { reason: "upstream reruns", because: "main/u" },
      "main/x": { reason: "forced" },
      "main/xu": { reason: "upstream reruns", because: "main/x" },
      "main/b": { reason: "upstream reruns", because: "main/uu" },
      // Both upstream tasks rerun: the first of its deps is named.
      "main/c": { reason: "upstream reruns", because: "main/u" },
    });
  });

  it("is what pipe plan says over a store that holds every key, and what a Slurm bundle marks as forced", async () => {
    const dir = project({ "main.pipe": MAIN });
    const plan = await mustPlan(dir);
    const store = path.join(dir, "store");
    for (const t of plan.tasks) writeFiles(store, { [`${t.key}/meta.json`]: "{}" });
    for (const force of [[], ["main/y"], ["main/*"]]) {
      const anyway = runsAnyway(plan, force);
      const states = planStates(plan, store, force);
      expect(states.filter((s) => s.run).map((s) => s.task.id)).toEqual([...anyway.keys()]);
      for (const s of states.filter((s) => s.run)) expect({ reason: s.reason, ...(s.because ? { because: s.because } : {}) }).toEqual(anyway.get(s.task.id));
    }
    // A bundle is written without --force: its tasks run anyway by the rule alone.
    const bundle = emitSlurm(plan, ConfigSchema.parse({}).slurm).bundle;
    const forced = bundle.jobs.flatMap((j) => j.tasks).filter((t) => t.force).map((t) => t.id);
    expect(forced.sort()).toEqual([...runsAnyway(plan).keys()].sort());
    expect(forced).toHaveLength(5);
  });
});
