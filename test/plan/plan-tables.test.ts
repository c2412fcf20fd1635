// Expansion writes each task once, into tables (plan/expand.ts): sweep labels made once per
// item, a loop whose labels cannot repeat not counting them, the arguments recorded as the
// plan records them. These are the cases where a shortcut could go wrong.
import { afterAll, describe, expect, it } from "vitest";
import { cleanProjects, mustPlan, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const T = `
action t(a: String, b: String) -> (y: Int) {
  shell "echo ~{a} ~{b} > ~{out.y}"
}
`;

describe("sweep labels", () => {
  it("values holding the `,` that separates parts can spell one label twice: the second is numbered", async () => {
    const plan = await mustPlan(
      project({
        "main.pipe": `${T}
pipeline main() -> (ys: List[Int]) {
  let s = for a in ["x,b=1", "x"], b in ["2", "1,b=2"] { t(a = a, b = b) }
  return (ys = s.y)
}
`,
      }),
    );
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/s[a=x,b=1,b=2]", "main/s[a=x,b=1,b=1,b=2]", "main/s[a=x,b=2]", "main/s[a=x,b=1,b=2]#2"]);
    expect(new Set(plan.tasks.map((t) => t.key)).size).toBe(4);
  });

  it("a zip over one list of distinct values and one of repeated values labels every pair apart", async () => {
    const plan = await mustPlan(
      project({
        "main.pipe": `${T}
pipeline main() -> (ys: List[Int]) {
  let s = for (a, b) in zip(["p", "q", "r"], ["1", "1", "1"]) { t(a = a, b = b) }
  return (ys = s.y)
}
`,
      }),
    );
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/s[a=p,b=1]", "main/s[a=q,b=1]", "main/s[a=r,b=1]"]);
  });
});

describe("arguments as the plan records them", () => {
  it("a parameter named __proto__ is an argument like any other, in the plan and in the key", async () => {
    const main = (v: number) => `
action t(__proto__: Int) -> (y: Int) {
  shell "echo ~{__proto__} > ~{out.y}"
}
pipeline main() -> (y: Int) {
  let a = t(__proto__ = ${v})
  return (y = a.y)
}
`;
    const one = await mustPlan(project({ "main.pipe": main(1) }));
    const two = await mustPlan(project({ "main.pipe": main(2) }));
    expect(Object.entries(one.tasks[0]!.args)).toEqual([["__proto__", 1]]);
    expect(JSON.stringify(one.tasks[0]!.args)).toBe('{"__proto__":1}');
    expect(one.tasks[0]!.command).toBe('echo 1 > "$out/y"');
    expect(one.tasks[0]!.key).not.toBe(two.tasks[0]!.key);
  });

  it("an output named __proto__ is an output like any other, of an action, a nested pipeline and the entry", async () => {
    const plan = await mustPlan(
      project({
        "main.pipe": `
action make() -> (__proto__: Int) {
  shell "echo 3 > ~{out.__proto__}"
}
pipeline inner() -> (__proto__: Int) {
  let m = make()
  return (__proto__ = m.__proto__)
}
pipeline main() -> (__proto__: Int, n: Int) {
  let i = inner()
  let m = make()
  return (__proto__ = i.__proto__, n = m.__proto__)
}
`,
      }),
    );
    expect(plan.outputs.map((o) => [o.name, o.value])).toEqual([
      ["__proto__", { $ref: "main/i/m", output: "__proto__" }],
      ["n", { $ref: "main/m", output: "__proto__" }],
    ]);
  });
});
