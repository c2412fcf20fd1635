// Printing expressions (grammar: expr, forExpr, ifExpr, orExpr, andExpr, notExpr,
// comparison, additive, unary, postfix, argumentList, primary, listLiteral, recordLiteral,
// fieldInit). Literals are printed as written (`1e-3` stays `1e-3`); parentheses, which the
// tree does not keep, are put back only where the grammar needs them: around an operand
// that binds more loosely than its place allows (`(a + b)[0]`, `-(x)`, `(if c then a else b).f`).

import type * as A from "../syntax/ast.js";
import { printOpenComments } from "./comments.js";
import { group, indent, join, line, printEach, type AstPath, type Doc, type Print, type PrintArgs } from "./doc.js";
import { bracketed } from "./layout.js";
import { printString } from "./templates.js";

export function printLiteral(node: A.IntLiteral | A.FloatLiteral | A.BoolLiteral | A.NoneLiteral | A.StringLiteral, text: string): Doc {
  if (node.kind === "StringLiteral") return printString(node, text);
  return text.slice(node.span.start, node.span.end);
}

/** How tightly each form binds, as the grammar's levels: a child looser than its place needs parentheses. */
const Level = { expr: 0, or: 1, and: 2, not: 3, comparison: 4, sum: 5, unary: 6, postfix: 7 } as const;

function level(e: A.Expr): number {
  switch (e.kind) {
    case "ForExpr":
    case "If":
      return Level.expr;
    case "Binary":
      return e.op === "or" ? Level.or : e.op === "and" ? Level.and : e.op === "+" ? Level.sum : Level.comparison;
    case "Not":
      return Level.not;
    case "Negate":
      return Level.unary;
    default:
      return Level.postfix;
  }
}

/**
 * Whether `child` needs parentheses where at least `min` binds: a `for` or an `if` anywhere
 * but as a whole expression, a negation when it is called or projected (`(-x).y` is not
 * `-x.y`) or negated (`-(-x)` reads better than `--x`).
 */
const tight = (child: A.Expr, min: number = Level.postfix) => level(child) < min || (min === Level.unary && child.kind === "Negate");
const parens = (doc: Doc, needed: boolean): Doc => (needed ? ["(", doc, ")"] : doc);

export function printFieldAccess(node: A.FieldAccess, print: Print): Doc {
  return [parens(print("target"), tight(node.target)), ".", print("field")];
}

export function printNegate(node: A.Negate, print: Print): Doc {
  // `--x` would parse back too; `-(-x)` reads better.
  return ["-", parens(print("operand"), tight(node.operand, Level.unary) || tight(node.operand))];
}

export function printIf(print: Print): Doc {
  return group(["if ", print("cond"), indent([line, "then ", print("then"), line, "else ", print("else")])]);
}

export function printBinary(node: A.Binary, print: Print): Doc {
  const own = level(node);
  // Left-associative, except that comparisons do not chain at all.
  const left = own === Level.comparison ? own + 1 : own;
  return [parens(print("left"), tight(node.left, left)), " ", node.op, " ", parens(print("right"), tight(node.right, own + 1))];
}

export function printNot(node: A.Not, print: Print): Doc {
  return ["not ", parens(print("operand"), tight(node.operand, Level.not))];
}

export function printIndex(node: A.Index, print: Print): Doc {
  return [parens(print("target"), tight(node.target)), "[", print("index"), "]"];
}

export function printList(path: AstPath<A.ListLiteral>, print: Print): Doc {
  return bracketed(path.node, printEach(path, print, "items"), { open: "[", close: "]", marker: "items" });
}

/** `{lr = 1e-3, bs = 32}` as a value; `{ cpus = 2 }` as a block (`args.spaced`). */
export function printRecord(path: AstPath<A.RecordLiteral>, print: Print, args?: PrintArgs): Doc {
  return bracketed(path.node, printEach(path, print, "fields"), { open: "{", close: "}", marker: "fields", spaced: args?.spaced ?? false });
}

export function printFieldInit(print: Print): Doc {
  return [print("name"), " = ", print("value")];
}

export function printArgument(node: A.Argument, print: Print): Doc {
  return node.name ? [print("name"), " = ", print("value")] : print("value");
}

export function printCall(path: AstPath<A.Call>, print: Print): Doc {
  const node = path.node;
  return [
    parens(print("callee"), tight(node.callee)),
    bracketed(node, printEach(path, print, "args"), { open: "(", close: ")", marker: "args" }),
    node.resources ? [" resources ", print("resources", { spaced: true })] : "",
  ];
}

export function printFor(path: AstPath<A.ForExpr>, print: Print): Doc {
  const node = path.node;
  const vars = printEach(path, print, "vars");
  const sources = path.map((source) => parens(print(), tight(source.node, Level.or)), "sources");
  const head =
    node.mode === "zip"
      ? ["for ", bracketed(node, vars, { open: "(", close: ")", marker: "vars", trailingComma: false }), " in ", sources[0]!]
      : ["for ", join(", ", vars.map((v, i) => [v, " in ", sources[i]!]))];
  // One group: a header that breaks puts the body on its own line too.
  return group([head, " {", printOpenComments(node, "body"), indent([line, print("body")]), line, "}"]);
}
