// Reading plan files for `pipe diff` in pieces (src/diff/plan-pieces.ts): the same document as
// JSON.parse of the whole text, for every size of piece and for tasks longer than the
// window; any other layout, a broken document, or a list that is not the plan's tasks is
// left to the whole parse (undefined). And the comparison by position (match.ts, index.ts)
// on the shapes where guessing positions goes wrong: plans out of dependency order,
// dependencies in any order, moved tasks.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffPlans } from "../../src/diff/index.js";
import { readPlanFile } from "../../src/diff/plan-json.js";
import { parsePlanInPieces } from "../../src/diff/plan-pieces.js";
import { renderDiff } from "../../src/diff/render.js";
import type { Plan, Task } from "../../src/plan/plan.js";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-plan-reading-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function task(i: number, over: Partial<Task> = {}): Task {
  return {
    id: `main/s[i=${i}]`,
    key: `k${i}`,
    action: "main.pipe#a",
    group: "main/s",
    deps: [],
    args: { i, note: "a \"quoted\" value,\n  }, with what looks like layout" },
    command: `echo ${i}`,
    files: [],
    resources: { time: 60 },
    retries: 0,
    cache: true,
    ...over,
  };
}

function plan(tasks: Task[]): Plan {
  return {
    format: "pipe-plan/1",
    entry: "main",
    file: "main.pipe",
    params: {},
    actions: { "main.pipe#a": { name: "a", kind: "shell", definition: "action a(i: Int)\necho ~{i}", definitionHash: "h", outputs: [{ name: "y", type: "Int" }], env: {} } },
    tasks,
    outputs: [{ name: "ys", type: "List[Int]", value: tasks.map((t) => ({ $ref: t.id, output: "y" })) }],
  };
}

let files = 0;
function write(text: string): string {
  const file = path.join(work, `${files++}.json`);
  fs.writeFileSync(file, text);
  return file;
}

function inPieces(file: string): unknown {
  const fd = fs.openSync(file, "r");
  try {
    return parsePlanInPieces(fd);
  } finally {
    fs.closeSync(fd);
  }
}

describe("a plan file read in pieces", () => {
  it("is the document JSON.parse reads, from one task to many windows' worth", () => {
    for (const n of [1, 2, 3, 40_000]) {
      const text = JSON.stringify(plan(Array.from({ length: n }, (_, i) => task(i))), null, 1) + "\n";
      const file = write(text);
      if (n === 40_000) expect(text.length).toBeGreaterThan(3 * (4 << 20));
      expect(inPieces(file)).toEqual(JSON.parse(text));
    }
  });

  it("reads a task longer than its window", () => {
    const long = task(1, { command: "x".repeat(9 << 20), deps: Array.from({ length: 1000 }, (_, i) => `main/s[i=${i}]`) });
    const text = JSON.stringify(plan([task(0), long, task(2)]), null, 1);
    expect(inPieces(write(text))).toEqual(JSON.parse(text));
  });

  it("reads non-ASCII text as UTF-8", () => {
    const text = JSON.stringify(plan([task(0, { id: "main/s[i=é→∂]" }), task(1, { args: { x: "日本" } })]), null, 1);
    expect(inPieces(write(text))).toEqual(JSON.parse(text));
  });

  it("leaves other layouts, broken documents and misplaced lists to the whole parse", () => {
    const doc = plan([task(0), task(1), task(2)]);
    const pretty = JSON.stringify(doc, null, 1);
    expect(inPieces(write(JSON.stringify(doc)))).toBeUndefined();
    expect(inPieces(write(JSON.stringify(doc, null, 2)))).toBeUndefined();
    expect(inPieces(write(JSON.stringify({ ...doc, tasks: [] }, null, 1)))).toBeUndefined();
    expect(inPieces(write(pretty.replace('"cache": true', '"cache": tru')))).toBeUndefined();
    expect(inPieces(write(pretty.slice(0, pretty.length / 2)))).toBeUndefined();
    // A later `tasks` wins in JSON.parse: the list read in pieces is not the plan's.
    expect(inPieces(write(pretty.replace(/\n}$/, ',\n "tasks": []\n}')))).toBeUndefined();
    // `pipe plan --json`: a list of task states comes first.
    expect(inPieces(write(JSON.stringify({ ok: true, tasks: [{ id: "x" }, { id: "y" }], plan: doc }, null, 1)))).toBeUndefined();
  });

  it("gives readPlanFile the same plan either way, and the same errors", async () => {
    const doc = plan([task(0), task(1)]);
    const pieces = await readPlanFile(write(JSON.stringify(doc, null, 1)));
    const whole = await readPlanFile(write(JSON.stringify(doc)));
    expect(pieces).toEqual({ plan: doc });
    expect(whole).toEqual({ plan: doc });
    const broken = await readPlanFile(write(JSON.stringify(doc, null, 1).replace('"k1"', "k1")));
    expect(broken).toMatchObject({ error: expect.stringMatching(/^not JSON: /) });
    const notPlan = await readPlanFile(write(JSON.stringify({ ...doc, tasks: [{ ...task(0), deps: "main/x" }, task(1)] }, null, 1)));
    expect(notPlan).toMatchObject({ error: expect.stringMatching(/^not a plan \(at tasks\.0\.deps: /) });
  });
});

describe("comparing by position", () => {
  /** A prepared task, a sweep below it, and a fan-in whose dependencies are listed in `order`. */
  function shaped(n: number, seed: number, order: (ids: string[]) => string[]): Plan {
    const prep: Task = { ...task(0), id: "main/prep", group: "main/prep", key: `p${seed}`, args: { seed } };
    const sweep = Array.from({ length: n }, (_, i) => task(i, { key: `k${i}-${seed}`, deps: ["main/prep"], args: { i, d: { $ref: "main/prep", output: "y" } } }));
    const ids = sweep.map((t) => t.id);
    const fanIn: Task = { ...task(0), id: "main/pick", group: "main/pick", key: `f${seed}`, deps: order(ids), args: { xs: order(ids).map((id) => ({ $ref: id, output: "y" })) } };
    return plan([prep, ...sweep, fanIn]);
  }

  it("finds every upstream task whatever the order of the dependencies", () => {
    const orders = [(ids: string[]) => ids, (ids: string[]) => [...ids].reverse(), (ids: string[]) => [...ids].sort()];
    for (const order of orders) {
      const text = renderDiff(diffPlans(shaped(30, 1, order), shaped(30, 2, order)), { verbose: true });
      // The sweep and the fan-in rerun for one root cause, each once.
      expect(text).toMatch(/^~ main\/prep\n    argument seed: 1 → 2\n~ 31 tasks: upstream main\/prep changed \(argument seed: 1 → 2\)\n/);
      expect(text).toContain("    ~ main/s[i=29]\n    ~ main/pick\n\n0 to add, 32 to rerun, 0 to remove, 0 unchanged");
    }
  });

  it("gives the same diff for a plan out of dependency order", () => {
    const a = shaped(20, 1, (ids) => ids);
    const b = shaped(20, 2, (ids) => ids);
    const shuffled = { ...b, tasks: [b.tasks[21]!, ...b.tasks.slice(1, 21).reverse(), b.tasks[0]!] };
    const lines = (text: string) => text.split("\n").sort();
    const text = renderDiff(diffPlans(a, shuffled), { verbose: true });
    // Dependencies first whatever the order of the document, the rest in its order.
    expect(text).toMatch(/^~ main\/prep\n/);
    expect(text.indexOf("~ main/s[i=19]")).toBeLessThan(text.indexOf("~ main/s[i=0]"));
    expect(lines(text)).toEqual(lines(renderDiff(diffPlans(a, b), { verbose: true })));
  });

  it("matches tasks that changed places, and tasks moved to another id", () => {
    const a = plan([task(0), task(1), task(2)]);
    // Swapped places, same ids and keys: nothing changed.
    expect(renderDiff(diffPlans(a, plan([task(2), task(0), task(1)])))).toBe("no changes: 3 tasks unchanged\n");
    // Task 1's key now under a new id, at another place: moved, not removed and added.
    const moved = renderDiff(diffPlans(a, plan([task(1, { id: "main/s[i=#1]" }), task(0), task(2)])));
    expect(moved).toContain("> main/s[i=1] → main/s[i=#1] (moved: same key)");
    expect(moved).toContain("0 to add, 0 to rerun, 0 to remove, 1 moved, 2 unchanged");
  });

  it("keeps the fields of an upstream reference renamed by a move", () => {
    const up = (id: string) => task(0, { id, group: id, key: "ku" });
    const reader = (id: string, key: string) => task(5, { id: "main/r", group: "main/r", key, deps: [id], args: { x: { $ref: id, output: "y", fields: ["acc"] } } });
    const diff = diffPlans(plan([up("main/u[#0]"), reader("main/u[#0]", "r1")]), plan([up("main/u[#1]"), reader("main/u[#1]", "r2")]));
    // The reference moved with its task: not an argument change.
    expect(diff.changed.map((t) => [t.id, t.causes])).toEqual([["main/r", [{ kind: "key" }]]]);
  });
});
