// A task's upstream inputs and the lookup of tasks by id (plan/plan.ts, plan/refs.ts) against
// plain definitions, on random plans: references in any order, repeated, with fields, with
// elements, inside lists and records; tasks asked for by id in any order, and ids no task has;
// and the record's `upstream` made of them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { taskFinder, upstreamInputs, upstreamKeys, upstreamKeysJson, type Plan, type PlanValue, type Task } from "../../src/plan/plan.js";
import { refsIn } from "../../src/plan/refs.js";

const OUTPUTS = ["o", "p", "files"];

function planOf(n: number, args: (i: number) => Record<string, PlanValue>): Plan {
  const tasks = Array.from({ length: n }, (_, i): Task => ({ id: `main/t[i=${i}]`, action: "a", key: `k${i}`, args: args(i) }) as unknown as Task);
  const outputs = [
    { name: "o", type: "File" },
    { name: "p", type: "{n: Int, s: String}", file: "p.json" },
    { name: "files", type: "List[File]" },
  ];
  return { tasks, actions: { a: { outputs } } } as unknown as Plan;
}

/** What upstreamInputs is defined to be: each distinct upstream output read, in the order the arguments name them. */
function plainInputs(plan: Plan, task: Task) {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const out: { task: string; key: string; output: string; fields?: readonly string[] }[] = [];
  for (const value of Object.values(task.args)) {
    for (const ref of refsIn(value)) {
      const output = ref.item !== undefined ? `${ref.output}/${ref.item}` : ref.output;
      const id = JSON.stringify([ref.$ref, output, ref.item === undefined ? (ref.fields ?? null) : null]);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ task: ref.$ref, key: byId.get(ref.$ref)!.key, output, ...(ref.item === undefined && ref.fields ? { fields: ref.fields } : {}) });
    }
  }
  return out;
}

const ref = (n: number) =>
  fc.record({ i: fc.nat({ max: Math.max(0, n - 1) }), kind: fc.constantFrom("plain", "other", "fields", "item") }).map(({ i, kind }): PlanValue => {
    const $ref = `main/t[i=${i}]`;
    if (kind === "plain") return { $ref, output: "o" };
    if (kind === "other") return { $ref, output: "p" };
    if (kind === "fields") return { $ref, output: "p", fields: ["n"] };
    return { $ref, output: "files", item: `f${i % 3}` };
  });

const value = (n: number): fc.Arbitrary<PlanValue> =>
  fc.oneof(
    fc.integer(),
    fc.string(),
    ref(n),
    fc.array(fc.oneof(ref(n), fc.integer()), { maxLength: 40 }),
    fc.record({ x: ref(n), y: fc.array(ref(n), { maxLength: 5 }) }).map((r) => ({ $record: r }) as PlanValue),
  );

describe("upstreamInputs", () => {
  it("is each distinct output read, in order, with its task's key, for references in any order and repeated", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(fc.constant(n), fc.array(value(n), { maxLength: 4 }))), ([n, gen]) => {
        const plan = planOf(n + 1, (i) => (i === n ? Object.fromEntries(gen.map((v, j) => [`a${j}`, v])) : { x: i }));
        const reader = plan.tasks[n]!;
        const got = upstreamInputs(plan, reader);
        expect(got.map((i) => ({ task: i.task, key: i.key, output: i.output, ...(i.fields ? { fields: i.fields } : {}) }))).toEqual(plainInputs(plan, reader));
        expect(got.map((i) => i.var)).toEqual(got.map((_, j) => `in_${j}`));
        for (const t of plan.tasks.slice(0, n)) expect(upstreamInputs(plan, t)).toEqual([]);
        // Asked again: the same list.
        expect(upstreamInputs(plan, reader)).toBe(got);
      }),
      { numRuns: 300 },
    );
  });

  it("types an element of a List[File] as File, and a field by its projection", () => {
    const plan = planOf(2, (i) => (i === 1 ? { a: [{ $ref: "main/t[i=0]", output: "files", item: "x" }, { $ref: "main/t[i=0]", output: "p", fields: ["s"] }] } : {}));
    const got = upstreamInputs(plan, plan.tasks[1]!);
    expect(got.map((i) => [i.output, i.type, i.file, i.outputType])).toEqual([
      ["files/x", "File", undefined, undefined],
      ["p", "String", "p.json", "{n: Int, s: String}"],
    ]);
  });
});

describe("taskFinder", () => {
  it("finds what a map by id finds, asked in any order, ids no task has included", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: -5, max: 55 }), { maxLength: 200 }), fc.boolean(), (n, asks, inOrder) => {
        const plan = planOf(n, () => ({}));
        const byId = new Map(plan.tasks.map((t) => [t.id, t]));
        const find = taskFinder(plan);
        const ids = (inOrder ? plan.tasks.map((_, i) => i).concat(asks) : asks).map((i) => `main/t[i=${i}]`);
        for (const id of ids) expect(find(id)).toBe(byId.get(id));
      }),
      { numRuns: 300 },
    );
  });
});

describe("upstreamKeys", () => {
  // The definition: pairs sorted as `sort()` sorts them (by their text `id,key`), the first place and last key of an id kept.
  const plain = (inputs: { task: string; key: string }[]) => JSON.stringify(Object.fromEntries(inputs.map((i) => [i.task, i.key]).sort()));
  // Ids and keys of few characters, commas and the characters on either side of one among them, so that ids repeat and prefixes meet.
  const text = fc.string({ unit: fc.constantFrom("a", "b", ",", "+", "-", " ", "[", "é", "_"), maxLength: 4 });
  const inputs = fc.array(fc.record({ task: fc.oneof(text, fc.constant("__proto__")), key: text }), { maxLength: 30 });

  it("is the pairs sorted by their text, as JSON byte for byte", () => {
    fc.assert(
      fc.property(inputs, (list) => {
        const asInputs = list.map((i, n) => ({ var: `in_${n}`, output: "o", type: "File", ...i }));
        expect(JSON.stringify(upstreamKeys(asInputs))).toBe(plain(list));
        expect(upstreamKeysJson(asInputs)).toBe(plain(list));
      }),
      { numRuns: 2000 },
    );
  });
});
