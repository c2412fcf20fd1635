// A list's lone literals are read by a shorter path than other items (parser.ts, `listItem`):
// each item must come out as the same tree, with the same spans and diagnostics, as the same
// text read as an expression on its own at the same place.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExpression } from "../../src/syntax/index.js";

const item = fc.oneof(
  fc.integer({ min: 0, max: 1e6 }).map(String),
  fc.constantFrom("0", "007", "9007199254740993", "99999999999999999999999", "1.5", "0.0", "1e3", "2.5e-3", "1e400"),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s.replace(/[\\~{}\n\r]/g, ""))),
  fc.constantFrom('"a\\"b"', '"é"', "-1", "- 2.5", "1 + 2", '"a" + "b"', "x", "x.y", "f(a = 1)", "[1, 2]", "[]", "{ a = 1 }", "(3)", "1 == 1", "not true", "none", "true", "if true then 1 else 2"),
);

function read(text: string) {
  const { expr, diagnostics } = parseExpression(text, "t.pipe");
  return { expr, diagnostics: diagnostics.map((d) => ({ code: d.code, message: d.message, span: d.span })) };
}

describe("a list's items", () => {
  it("are read as each would be on its own: the same tree, spans and diagnostics", () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.boolean(), (items, trailing) => {
        let text = "[";
        const starts: number[] = [];
        items.forEach((t, i) => {
          if (i) text += i % 2 ? ", " : ",";
          starts.push(text.length);
          text += t;
        });
        text += trailing && items.length ? ",]" : "]";
        const list = read(text);
        const alone = items.map((t, i) => read(" ".repeat(starts[i]!) + t));
        expect(list.diagnostics).toEqual(alone.flatMap((a) => a.diagnostics));
        if (list.diagnostics.length) return;
        expect(list.expr).toMatchObject({ kind: "ListLiteral", span: { start: 0, end: text.length } });
        expect((list.expr as { items: unknown[] }).items).toEqual(alone.map((a) => a.expr));
      }),
      { numRuns: 2000 },
    );
  });

  it("stops at a missing comma as before: `[1 2]` is one error at the 2", () => {
    const { diagnostics } = read("[1 2]");
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.span).toMatchObject({ start: 3, end: 4 });
  });
});
