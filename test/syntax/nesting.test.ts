// findTooDeep reads each token's part in the nesting counts from a table by its type
// (lex.ts). Checked against the rule written out plainly, over token runs of every kind.

import fc from "fast-check";
import type { IToken } from "chevrotain";
import { describe, expect, it } from "vitest";
import { findTooDeep, lex, MAX_NESTING } from "../../src/syntax/lex.js";
import * as T from "../../src/syntax/tokens.js";

/** The rule as lex.ts's header states it, with sets. */
function plainly(tokens: IToken[]): IToken | undefined {
  const starts = new Set([T.Let, T.With, T.Return, T.Action, T.Pipeline, T.Import]);
  let depth = 0;
  let minusRun = 0;
  const chains = [0];
  const operators = [0];
  let previous: IToken | undefined;
  for (const token of tokens) {
    const type = token.tokenType;
    const call = type === T.LParen && (previous?.tokenType === T.Identifier || previous?.tokenType === T.RParen);
    if (type === T.Dot || call) chains[depth]!++;
    else if (type !== T.Identifier && !T.openers.has(type) && !T.closers.has(type)) chains[depth] = 0;
    if (T.operators.has(type)) operators[depth]!++;
    else if (type === T.Comma || type === T.Equals || starts.has(type)) operators[depth] = 0;
    if (T.openers.has(type)) {
      chains[++depth] = 0;
      operators[depth] = 0;
    } else if (T.closers.has(type)) depth = Math.max(0, depth - 1);
    minusRun = type === T.Minus ? minusRun + 1 : 0;
    if (depth + minusRun + chains[depth]! + operators[depth]! > MAX_NESTING) return token;
    previous = token;
  }
  return undefined;
}

const piece = fc.constantFrom("(", ")", "()", "a[1]", ".b", "x.y(1)", "[", "]", "{", "}", "a", ".", "-", "+", "==", "not", "and", "if", "then", ",", "=", "let", "return", "1", '"s"', "f()", "x.y");

describe("the nesting guard", () => {
  it("stops at the token the plain rule stops at, or at none when it does", () => {
    let stopped = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, fc.integer({ min: 1, max: 45 }), fc.constantFrom("", " ")), { maxLength: 24 }), (runs) => {
        // Runs of one piece reach the limit in every way it is counted.
        const text = runs.map(([p, n, gap]) => Array(n).fill(p).join(gap)).join(" ");
        const tokens = lex(text, 0, "t.pipe", []);
        const found = plainly(tokens);
        if (found) stopped++;
        expect(findTooDeep(tokens)).toBe(found);
      }),
      { numRuns: 3000 },
    );
    expect(stopped).toBeGreaterThan(300);
  });
});
