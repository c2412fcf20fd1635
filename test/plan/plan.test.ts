// Plan compilation: sweeps (product and zip), nested pipelines, `with` inheritance, ids,
// edges, the entry pipeline, and the plan document itself (schema, determinism, no
// machine paths).
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { ContentHasher } from "../../src/plan/content-hash.js";
import { compile } from "../../src/plan/index.js";
import { PlanSchema, planToJson, upstreamInputs, type Plan } from "../../src/plan/plan.js";
import type { Value } from "../../src/plan/values.js";
import { cleanProjects, mustPlan, planOf, project } from "../fixtures/plan/harness.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const example = (name: string) => project({ "main.pipe": fs.readFileSync(path.join(root, "examples", name, "main.pipe"), "utf8") });
const task = (plan: Plan, id: string) => {
  const t = plan.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`no task ${id} in ${plan.tasks.map((x) => x.id).join(", ")}`);
  return t;
};

afterAll(cleanProjects);

describe("normative examples", () => {
  it("example 1 plans one task with the default argument", async () => {
    const plan = await mustPlan(example("hello"));
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/h"]);
    expect(plan.tasks[0]!.args).toEqual({ name: "world" });
    expect(plan.tasks[0]!.command).toBe('echo hello world > "$out/greeting"');
    expect(plan.outputs).toEqual([{ name: "g", type: "File", value: { $ref: "main/h", output: "greeting" } }]);
  });

  it("example 3 plans 7 tasks; pick depends on all six train tasks", async () => {
    const plan = await mustPlan(example("sweep"));
    expect(plan.tasks).toHaveLength(7);
    const trains = plan.tasks.filter((t) => plan.actions[t.action]!.name === "train");
    expect(trains.map((t) => t.id)).toEqual([
      "main/runs[lr=0.1,epochs=1]",
      "main/runs[lr=0.1,epochs=2]",
      "main/runs[lr=0.01,epochs=1]",
      "main/runs[lr=0.01,epochs=2]",
      "main/runs[lr=0.001,epochs=1]",
      "main/runs[lr=0.001,epochs=2]",
    ]);
    expect(new Set(trains.map((t) => t.group))).toEqual(new Set(["main/runs"]));
    const pick = task(plan, "main/p");
    expect(pick.deps).toEqual(trains.map((t) => t.id).sort());
    // Each upstream score is read from the store and passed as its own word, in sweep order.
    const inputs = upstreamInputs(plan, pick);
    expect(inputs.map((i) => [i.task, i.output, i.type])).toEqual(trains.map((t) => [t.id, "score", "Float"]));
    expect(inputs.every((i) => i.key === task(plan, i.task).key)).toBe(true);
    expect(pick.command).toBe(`printf '%s\\n' ${inputs.map((i) => `"$${i.var}"`).join(" ")} | sort -g | tail -1 > "$out/best"`);
    // Tasks come in dependency order.
    expect(plan.tasks.at(-1)!.id).toBe("main/p");
  });

  it("example 4: `seed` reaches train through the nested pipeline, under the id main/i/t", async () => {
    const plan = await mustPlan(example("nested"));
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/i/t"]);
    expect(plan.tasks[0]!.args).toEqual({ lr: 0.1, seed: 7 });
    expect(plan.tasks[0]!.group).toBe("main/i/t");
    expect(plan.outputs[0]!.value).toEqual({ $ref: "main/i/t", output: "score" });
  });
});

describe("expansion", () => {
  it("zip pairs instead of crossing; ids use the loop variables", async () => {
    const dir = project({
      "main.pipe": `
action a(x: Int, y: String) -> (o: File) { shell "echo ~{x} ~{y} > ~{out.o}" }
pipeline main() {
  let z = for (x, y) in zip([1, 2, 3], ["p", "q", "r"]) { a(x = x, y = y) }
}
`,
    });
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/z[x=1,y=p]", "main/z[x=2,y=q]", "main/z[x=3,y=r]"]);
    expect(plan.tasks.map((t) => t.command)).toEqual(['echo 1 p > "$out/o"', 'echo 2 q > "$out/o"', 'echo 3 r > "$out/o"']);
  });

  it("sweeps over records label by sorted fields; repeated values get #N", async () => {
    const dir = project({
      "main.pipe": `
action t(lr: Float, bs: Int) -> (o: File) { shell "echo ~{lr} ~{bs} > ~{out.o}" }
pipeline main() {
  let r = for cfg in [{lr = 1e-3, bs = 32}, {lr = 1e-4, bs = 64}] { t(lr = cfg.lr, bs = cfg.bs) }
  let d = for x in [1, 1, 2] { t(lr = x, bs = x) }
}
`,
    });
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => t.id)).toEqual([
      "main/r[cfg={bs=32,lr=0.001}]",
      "main/r[cfg={bs=64,lr=0.0001}]",
      "main/d[x=1]",
      "main/d[x=1]#2",
      "main/d[x=2]",
    ]);
    // Int widens to Float: `lr = 1` is the float 1.0 in the command.
    expect(task(plan, "main/d[x=1]").command).toBe('echo 1.0 1 > "$out/o"');
    expect(task(plan, "main/d[x=1]").key).toBe(task(plan, "main/d[x=1]#2").key);
  });

  it("a sweep over a nested pipeline: ids carry the label, groups do not", async () => {
    const dir = project({
      "main.pipe": `
action step(v: Int) -> (o: Int) { shell "echo ~{v} > ~{out.o}" }
action sum(xs: List[Int]) -> (o: Int) { shell "echo ~{xs} > ~{out.o}" }
pipeline twice(v: Int) -> (o: Int) {
  let a = step(v = v)
  let b = step(v = a.o)
  return (o = b.o)
}
pipeline main(n: List[Int] = [1, 2]) -> (total: Int) {
  let runs = for v in n { twice(v = v) }
  let s = sum(xs = runs.o)
  return (total = s.o)
}
`,
    });
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => [t.id, t.group, t.deps])).toEqual([
      ["main/runs[v=1]/a", "main/runs/a", []],
      ["main/runs[v=1]/b", "main/runs/b", ["main/runs[v=1]/a"]],
      ["main/runs[v=2]/a", "main/runs/a", []],
      ["main/runs[v=2]/b", "main/runs/b", ["main/runs[v=2]/a"]],
      ["main/s", "main/s", ["main/runs[v=1]/b", "main/runs[v=2]/b"]],
    ]);
    expect(task(plan, "main/runs[v=1]/b").command).toBe('echo "$in_0" > "$out/o"');
    expect(task(plan, "main/s").command).toBe('echo "$in_0" "$in_1" > "$out/o"');
  });

  it("a group stays right when a sweep label holds brackets", async () => {
    const dir = project({
      "main.pipe": `
action a(s: String) -> (o: File) { shell "echo ~{s} > ~{out.o}" }
pipeline inner(s: String) { let x = a(s = s) }
pipeline main() { let r = for s in ["]x[", "y"] { inner(s = s) } }
`,
    });
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => t.group)).toEqual(["main/r/x", "main/r/x"]);
  });

  it("sweep labels that spell another combination's id still give unique ids", async () => {
    const dir = project({
      "main.pipe": `
action a(s: String, k: String) -> (o: File) { shell "echo ~{s} ~{k} > ~{out.o}" }
pipeline inner(s: String, ks: List[String]) { let t = for k in ks { a(s = s, k = k) } }
pipeline main() {
  let r = for s in ["x]/t[k=y", "x"] { inner(s = s, ks = ["z", "y]/t[k=z"]) }
}
`,
    });
    const plan = await mustPlan(dir);
    const ids = plan.tasks.map((t) => t.id);
    expect(ids).toEqual(["main/r[s=x]/t[k=y]/t[k=z]", "main/r[s=x]/t[k=y]/t[k=y]/t[k=z]", "main/r[s=x]/t[k=z]", "main/r[s=x]/t[k=y]/t[k=z]#2"]);
    expect(new Set(plan.tasks.map((t) => t.key)).size).toBe(4);
  });

  it("`with` flows to nested calls; explicit arguments win; an inner `with` shadows an outer one", async () => {
    const dir = project({
      "main.pipe": `
action t(seed: Int = 0, device: String = "cpu") -> (o: File) { shell "echo ~{seed} ~{device} > ~{out.o}" }
pipeline inner() {
  with { device = "cuda" }
  let a = t()
  let b = t(seed = 1)
}
pipeline main() {
  with { seed = 42, device = "tpu" }
  let i = inner()
  let c = t()
}
`,
    });
    const plan = await mustPlan(dir);
    expect(Object.fromEntries(plan.tasks.map((t) => [t.id, t.args]))).toEqual({
      "main/i/a": { seed: 42, device: "cuda" },
      "main/i/b": { seed: 1, device: "cuda" },
      "main/c": { seed: 42, device: "tpu" },
    });
  });

  it("a `with` string standing for a path resolves against the file of the pipeline that set it", async () => {
    const dir = project({
      "lib/steps.pipe": `action count(src: File) -> (n: Int) { shell "wc -l < ~{src} > ~{out.n}" }\n`,
      "data/x.csv": "a\nb\n",
      "main.pipe": `
import "./lib/steps.pipe"
pipeline main() {
  with { src = "data/x.csv" }
  let c = count()
}
`,
    });
    const plan = await mustPlan(dir);
    expect(plan.tasks[0]!.args).toEqual({ src: { $path: "data/x.csv" } });
    expect(plan.tasks[0]!.files.map((f) => [f.role, f.path])).toEqual([["input", "data/x.csv"]]);
  });

  it("path literals resolve against their own file and render project-relative", async () => {
    const dir = project({
      "lib/steps.pipe": `action count(src: File = "../data/x.csv") -> (n: Int) {\n  uses "count.sh"\n  shell "bash lib/count.sh ~{src} > ~{out.n}"\n}\n`,
      "lib/count.sh": "wc -l < \"$1\"\n",
      "data/x.csv": "a\n",
      "main.pipe": `import "./lib/steps.pipe"\npipeline main() { let c = count() }\n`,
    });
    const plan = await mustPlan(dir);
    const t = plan.tasks[0]!;
    expect(t.command).toBe('bash lib/count.sh data/x.csv > "$out/n"');
    expect(t.files.map((f) => [f.role, f.path])).toEqual([
      ["uses", "lib/count.sh"],
      ["input", "data/x.csv"],
    ]);
    expect(planToJson(plan)).not.toContain(dir);
  });

  it("--entry picks another pipeline; an unknown entry is a diagnostic", async () => {
    const dir = project({
      "main.pipe": `
action a(v: Int) -> (o: File) { shell "echo ~{v} > ~{out.o}" }
pipeline main() { let x = a(v = 1) }
pipeline other(v: Int = 5) { let y = a(v = v) }
`,
    });
    const plan = await mustPlan(dir, { entry: "other" });
    expect(plan.entry).toBe("other");
    expect(plan.tasks.map((t) => [t.id, t.args])).toEqual([["other/y", { v: 5 }]]);
    expect(plan.params).toEqual({ v: 5 });
    const missing = await planOf(dir, { entry: "nope" });
    expect(missing.plan).toBeUndefined();
    expect(missing.diagnostics.map((d) => [d.code, d.message])).toEqual([["P2013", "no pipeline `nope` to run"]]);
    expect(missing.diagnostics[0]!.hint).toContain("main, other");
  });

  it("too many tasks is P4010, found without expanding them all", async () => {
    const dir = project({
      "main.pipe": `action a(x: Int, y: Int) -> (o: File) { shell "echo ~{x} ~{y} > ~{out.o}" }\npipeline main(xs: List[Int]) { let r = for x in xs, y in xs { a(x = x, y = y) } }\n`,
    });
    const front = frontEnd(path.join(dir, "main.pipe"), nodeFileHost);
    const xs: Value = { t: "list", items: Array.from({ length: 3000 }, (_, i) => ({ t: "int", v: i })) };
    const started = Date.now();
    const r = await compile(front.program!, { entry: "main", params: new Map([["xs", xs]]), hasher: new ContentHasher(), maxTasks: 100 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.plan).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["P4010", "the plan has 101 tasks, more than the limit of 100"]]);
  });

  it("missing inputs are diagnostics in path order, not a crash", async () => {
    const dir = project({
      "main.pipe": `action a(f: File) -> (o: File) { shell "cp ~{f} ~{out.o}" }\npipeline main() {\n  let x = a(f = "zzz.txt")\n  let y = a(f = "nope.txt")\n}\n`,
    });
    const { plan, diagnostics } = await planOf(dir);
    expect(plan).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["P4005", 'input "nope.txt" does not exist'],
      ["P4005", 'input "zzz.txt" does not exist'],
    ]);
  });

  it("a File argument that is a directory, or a Dir argument that is a file, is P4006", async () => {
    const dir = project({
      "data/x.csv": "x\n",
      "main.pipe": `action f(src: File) -> (o: File) { shell "cp ~{src} ~{out.o}" }\naction d(src: Dir) -> (o: File) { shell "ls ~{src} > ~{out.o}" }\npipeline main() {\n  let a = f(src = "data")\n  let b = d(src = "data/x.csv")\n}\n`,
    });
    const { plan, diagnostics } = await planOf(dir);
    expect(plan).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ["P4006", 'input "data" is not a file', "its parameter is a `File`"],
      ["P4006", 'input "data/x.csv" is not a directory', "its parameter is a `Dir`"],
    ]);
  });

  it("a file the stat cache knows is still P4006 where a Dir argument names it, and keyed where a File one does", async () => {
    const file = `action f(src: File) -> (o: File) { shell "cp ~{src} ~{out.o}" }\naction d(src: Dir) -> (o: File) { shell "ls ~{src} > ~{out.o}" }\n`;
    const dir = project({ "data/x.csv": "x\n", "main.pipe": `${file}pipeline main() {\n  let a = f(src = "data/x.csv")\n}\n` });
    const then = new Date(Date.now() - 3600_000);
    fs.utimesSync(path.join(dir, "data/x.csv"), then, then);
    const cacheFile = path.join(dir, ".pipe", "hash-cache.json");
    const first = await mustPlan(dir, { hasher: new ContentHasher(cacheFile) });
    // Known to the stat cache now: hashed while expanding, from one stat.
    const known = new ContentHasher(cacheFile);
    expect((await mustPlan(dir, { hasher: known })).tasks[0]!.key).toBe(first.tasks[0]!.key);
    expect(known.bytesRead).toBe(0);
    fs.writeFileSync(path.join(dir, "main.pipe"), `${file}pipeline main() {\n  let a = f(src = "data/x.csv")\n  let b = d(src = "data/x.csv")\n}\n`);
    const { plan, diagnostics } = await planOf(dir, { hasher: new ContentHasher(cacheFile) });
    expect(plan).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["P4006", 'input "data/x.csv" is not a directory']]);
  });
});

describe("the plan document", () => {
  it("validates against its schema and is byte-identical across compiles and directories", async () => {
    const a = await mustPlan(example("sweep"));
    const b = await mustPlan(example("sweep"));
    expect(PlanSchema.parse(JSON.parse(planToJson(a)))).toEqual(a);
    expect(planToJson(a)).toBe(planToJson(b));
  });

  it("lists actions and params in sorted order", async () => {
    const dir = project({
      "main.pipe": `
action zed(v: Int) -> (o: File) { shell "echo ~{v} > ~{out.o}" }
action alpha(v: Int) -> (o: File) { shell "echo ~{v} > ~{out.o}" }
pipeline main(b: Int = 2, a: Int = 1) { let z = zed(v = b)
  let x = alpha(v = a) }
`,
    });
    const plan = await mustPlan(dir);
    expect(Object.keys(plan.actions)).toEqual(["main.pipe#alpha", "main.pipe#zed"]);
    expect(Object.keys(plan.params)).toEqual(["a", "b"]);
  });
});
