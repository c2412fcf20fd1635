// Keeps spreads into a call's arguments (`xs.push(...ys)`, `Math.max(...xs)`, `f(...xs)`,
// `new X(...xs)`, `f.apply(null, xs)`) out of src/ and bin/: each puts every element on the
// stack, and overflows it past about 100,000 elements, far below the plan's task limit. Use
// `append`, `maxOf` and `minOf` from src/arrays.ts. The few spreads whose length is fixed by
// the code, not by the input, are listed below, each with its reason.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { append, maxOf, minOf } from "../../src/arrays.js";

const root = path.resolve(import.meta.dirname, "..", "..");

/** `file: call text` of each allowed spread, and why its length cannot grow with the input. */
const ALLOWED: Record<string, string> = {
  "src/diagnostics/catalog.ts: message(...args)": "a message's arguments, as many as its parameters",
  "src/syntax/index.ts: (Diag[kind] as (...a: string[]) => ReturnType<typeof Diag.badNumber>)(...args)": "a parser report's message arguments, as many as the message's parameters",
};

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) append(found, sourceFiles(rel));
    else if (/\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts")) found.push(rel);
  }
  return found;
}

/** Every call in `text` that spreads an argument, or passes an argument list to `apply`. */
function spreadCalls(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments?.some(ts.isSpreadElement)) found.push(`${file}: ${node.getText(source).replace(/\s+/g, " ")}`);
    else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "apply") found.push(`${file}: ${node.getText(source).replace(/\s+/g, " ")}`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("spreads into call arguments", () => {
  it("finds the shapes it guards against", () => {
    const text = "a.push(...b);\nMath.max(1, ...c);\nnew Set(...d);\nf.apply(null, e);\nconst ok = [...b, ...c];\ng({ ...h });";
    expect(spreadCalls("x.ts", text)).toEqual(["x.ts: a.push(...b)", "x.ts: Math.max(1, ...c)", "x.ts: new Set(...d)", "x.ts: f.apply(null, e)"]);
  });

  it("src/ and bin/ have none outside the allow-list", () => {
    const found: string[] = [];
    for (const file of [...sourceFiles("src"), ...sourceFiles("bin")]) append(found, spreadCalls(file, fs.readFileSync(path.join(root, file), "utf8")));
    expect(found.filter((f) => !(f in ALLOWED))).toEqual([]);
    // An allowed spread that is gone leaves its entry behind: remove the entry too.
    expect(Object.keys(ALLOWED).filter((a) => !found.includes(a))).toEqual([]);
  });

  it("the replacements hold far past the stack's reach", () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) => i);
    expect(() => [].push(...(big as never[]))).toThrow(RangeError);
    expect(append([-1], big).length).toBe(1_000_001);
    expect(maxOf(big)).toBe(999_999);
    expect(maxOf(big, 2_000_000)).toBe(2_000_000);
    expect(maxOf([])).toBe(-Infinity);
    expect(minOf(big)).toBe(0);
    expect(minOf(big, -5)).toBe(-5);
    expect(minOf([])).toBe(Infinity);
  });
});
