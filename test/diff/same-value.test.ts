// Plan values compared structurally (diff/causes.ts): a reference is the same only when all
// of what names it is, a dynamic loop's element included, so that a changed element shows as
// the argument it is and not as "key changed, its inputs did not".
import { describe, expect, it } from "vitest";
import { sameValue } from "../../src/diff/causes.js";
import type { PlanValue } from "../../src/plan/plan.js";

describe("sameValue", () => {
  const ref = { $ref: "main/t", output: "items", item: "a.csv", content: "c0ffee" };

  it("tells references apart by their task, output, fields, item and content", () => {
    const variants: PlanValue[] = [
      { ...ref, $ref: "main/u" },
      { ...ref, output: "other" },
      { ...ref, item: "b.csv" },
      { ...ref, content: "decade" },
      { $ref: "main/t", output: "items" },
      { ...ref, fields: ["acc"] },
    ];
    for (const v of variants) {
      expect(sameValue(ref, v), JSON.stringify(v)).toBe(false);
      expect(sameValue(v, ref), JSON.stringify(v)).toBe(false);
    }
    expect(sameValue(ref, { ...ref })).toBe(true);
  });

  it("compares lists, records and paths by what they hold", () => {
    expect(sameValue([1, { $path: "a" }, { $record: { x: [ref] } }], [1, { $path: "a" }, { $record: { x: [{ ...ref }] } }])).toBe(true);
    expect(sameValue([1, 2], [1, 2, 3])).toBe(false);
    expect(sameValue({ $record: { x: 1 } }, { $record: { x: 1, y: 2 } })).toBe(false);
    expect(sameValue({ $path: "a" }, "a")).toBe(false);
  });
});
