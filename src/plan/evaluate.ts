// Evaluation of the operators and built-in functions (src/check/operators.ts and
// builtins.ts give their types) while a plan is expanded. Everything here is known at
// compile time: a value that only a task's run will give (an upstream output) cannot
// choose a branch, be compared, measured or taken apart, and is reported where it is used
// rather than guessed. An `if` evaluates only the branch it takes, `and` and `or` stop at
// the first operand that decides, so `if len(xs) > 0 then xs[0] else d` is safe.

import path from "node:path";
import type { TExpr, TOperation } from "../check/typed.js";
import { MAX_RANGE } from "../check/builtins.js";
import { indexProblem } from "../check/operators.js";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { coerce, type Value } from "./values.js";

export interface EvaluationContext {
  /** Evaluates a sub-expression in the same environment. */
  readonly evaluate: (e: TExpr) => Value;
  readonly report: (d: Diagnostic) => void;
}

const none: Value = { t: "none" };

export function evaluateOperation(e: TOperation, cx: EvaluationContext): Value {
  switch (e.kind) {
    case "If": {
      const cond = known(cx.evaluate(e.cond), e.cond, "the condition", cx);
      if (cond === undefined) return none;
      return coerce(cx.evaluate(cond.t === "bool" && cond.v ? e.then : e.else), e.type);
    }
    case "Not": {
      const v = known(cx.evaluate(e.operand), e.operand, "the operand of `not`", cx);
      return v?.t === "bool" ? { t: "bool", v: !v.v } : none;
    }
    case "Binary":
      return binary(e as TOperation & { kind: "Binary" }, cx);
    case "Index":
      return index(e as TOperation & { kind: "Index" }, cx);
    case "Builtin":
      return builtin(e as TOperation & { kind: "Builtin" }, cx);
  }
}

/** The value, or undefined (reported) when only a run will give it. */
function known(v: Value, e: TExpr, what: string, cx: EvaluationContext): Value | undefined {
  if (v.t !== "ref") return v;
  cx.report(at(Diag.knownAtRunTime(what, v.task), e.span, { hint: `it is \`${v.task}\`'s output \`${v.output}\`; pass it to an action and decide there, in its command` }));
  return undefined;
}

function binary(e: TOperation & { kind: "Binary" }, cx: EvaluationContext): Value {
  if (e.op === "and" || e.op === "or") {
    const left = known(cx.evaluate(e.left), e.left, `the left side of \`${e.op}\``, cx);
    if (left?.t !== "bool") return none;
    if (left.v === (e.op === "or")) return left;
    const right = known(cx.evaluate(e.right), e.right, `the right side of \`${e.op}\``, cx);
    return right?.t === "bool" ? right : none;
  }
  if (e.op === "+") {
    const left = known(cx.evaluate(e.left), e.left, "a list joined by `+`", cx);
    const right = known(cx.evaluate(e.right), e.right, "a list joined by `+`", cx);
    if (left?.t !== "list" || right?.t !== "list") return none;
    return coerce({ t: "list", items: [...left.items, ...right.items] }, e.type);
  }
  const left = known(cx.evaluate(e.left), e.left, "a compared value", cx);
  const right = known(cx.evaluate(e.right), e.right, "a compared value", cx);
  if (left === undefined || right === undefined) return none;
  if (e.op === "==" || e.op === "!=") return { t: "bool", v: equal(left, right) === (e.op === "==") };
  const a = orderKey(left);
  const b = orderKey(right);
  if (a === undefined || b === undefined) return none;
  const v = e.op === "<" ? a < b : e.op === "<=" ? a <= b : e.op === ">" ? a > b : a >= b;
  return { t: "bool", v };
}

function equal(a: Value, b: Value): boolean {
  if ((a.t === "int" || a.t === "float") && (b.t === "int" || b.t === "float")) return a.v === b.v;
  if (a.t === "none" || b.t === "none") return a.t === b.t;
  if (a.t === "path" && b.t === "path") return a.path === b.path;
  if ((a.t === "str" || a.t === "bool") && a.t === b.t) return a.v === b.v;
  return false;
}

function orderKey(v: Value): number | string | undefined {
  return v.t === "int" || v.t === "float" || v.t === "str" ? v.v : undefined;
}

function index(e: TOperation & { kind: "Index" }, cx: EvaluationContext): Value {
  const list = known(cx.evaluate(e.target), e.target, "the indexed list", cx);
  const i = known(cx.evaluate(e.index), e.index, "the index", cx);
  if (list?.t !== "list" || i?.t !== "int") return none;
  const problem = indexProblem(i.v, list.items.length);
  if (problem) {
    cx.report(at(Diag.indexOutOfRange(i.v, list.items.length), e.index.span, { hint: problem }));
    return none;
  }
  return list.items[i.v >= 0 ? i.v : list.items.length + i.v]!;
}

function builtin(e: TOperation & { kind: "Builtin" }, cx: EvaluationContext): Value {
  const args = e.args.map((a) => cx.evaluate(a));
  switch (e.name) {
    case "len": {
      const list = known(args[0]!, e.args[0]!, "the list's length", cx);
      return list?.t === "list" ? { t: "int", v: list.items.length } : none;
    }
    case "range": {
      const bounds = args.map((a, k) => known(a, e.args[k]!, "a bound of `range`", cx));
      const [from, to] = bounds.length === 1 ? [{ t: "int", v: 0 } as Value, bounds[0]] : bounds;
      if (from?.t !== "int" || to?.t !== "int") return none;
      const n = Math.max(0, to.v - from.v);
      if (n > MAX_RANGE) {
        cx.report(at(Diag.rangeTooLong(n, MAX_RANGE), e.span));
        return none;
      }
      return { t: "list", items: Array.from({ length: n }, (_, k) => ({ t: "int", v: from.v + k })) };
    }
    case "flatten": {
      const outer = known(args[0]!, e.args[0]!, "the list to flatten", cx);
      if (outer?.t !== "list") return none;
      const items: Value[] = [];
      for (const inner of outer.items) {
        const list = known(inner, e.args[0]!, "a list to flatten", cx);
        if (list?.t === "list") for (const item of list.items) items.push(item);
      }
      return { t: "list", items };
    }
    case "basename":
    case "stem": {
      const v = known(args[0]!, e.args[0]!, `the path given to \`${e.name}\``, cx);
      const text = v?.t === "path" ? v.path : v?.t === "str" ? v.v : undefined;
      if (text === undefined) return none;
      return { t: "str", v: e.name === "basename" ? basename(text) : stem(basename(text)) };
    }
  }
}

/** The last component of a POSIX path, trailing `/` ignored: `data/a.csv` → `a.csv`. */
export function basename(p: string): string {
  return path.posix.basename(p);
}

/** A file name without its last extension, as Python's `Path.stem`: `a.tar.gz` → `a.tar`, `.bashrc` stays. */
export function stem(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 && name !== ".." ? name.slice(0, dot) : name;
}
