// The syntax tree as the formatter walks it: which properties of a node hold its children
// (one table, used by prettier's comment attachment and by ours), and a comparison of two
// trees that ignores positions, which proves that formatting changed nothing but layout.

import type * as A from "../syntax/ast.js";
import { append } from "../arrays.js";

export type Node =
  | A.Module
  | A.Declaration
  | A.Signature
  | A.Param
  | A.OutputDecl
  | A.ActionItem
  | A.TsImpl
  | A.Statement
  | A.TypeExpr
  | A.FieldType
  | A.Expr
  | A.FieldInit
  | A.Argument
  | A.Template
  | A.Identifier;

// A template's parts are its command text: printed verbatim, never descended into.
const childKeys: Record<Node["kind"], readonly string[]> = {
  Module: ["declarations"],
  Import: ["path", "alias"],
  Action: ["name", "signature", "body"],
  TsImpl: [],
  Signature: ["params", "outputs"],
  Param: ["name", "type", "default"],
  OutputDecl: ["name", "type"],
  Uses: ["paths"],
  Resources: ["record"],
  Env: ["record"],
  Shell: ["template"],
  Setting: ["name", "value"],
  Pipeline: ["name", "signature", "body"],
  With: ["fields"],
  Let: ["name", "value"],
  Return: ["fields"],
  NamedType: ["name", "args"],
  RecordType: ["fields"],
  FieldType: ["name", "type"],
  OptionalType: ["inner"],
  IntLiteral: [],
  FloatLiteral: [],
  StringLiteral: [],
  BoolLiteral: [],
  NoneLiteral: [],
  NameRef: [],
  FieldAccess: ["target", "field"],
  ListLiteral: ["items"],
  RecordLiteral: ["fields"],
  FieldInit: ["name", "value"],
  Argument: ["name", "value"],
  Call: ["callee", "args", "resources"],
  ForExpr: ["vars", "sources", "body"],
  Negate: ["operand"],
  If: ["cond", "then", "else"],
  Binary: ["left", "right"],
  Not: ["operand"],
  Index: ["target", "index"],
  Template: [],
  Identifier: [],
};

export function visitorKeys(node: Node): readonly string[] {
  return childKeys[node.kind] ?? [];
}

/** The children of a node in source order. */
export function childNodes(node: Node): Node[] {
  const children: Node[] = [];
  for (const key of visitorKeys(node)) {
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) append(children, value as Node[]);
    else if (value && typeof value === "object") children.push(value as Node);
  }
  return children.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
}

/** Structural equality of two trees (or parts of trees), positions and attached comments aside. */
export function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = (o: object) => Object.keys(o).filter((k) => k !== "span" && k !== "opSpan" && k !== "comments" && k !== "file" && (o as Record<string, unknown>)[k] !== undefined);
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameTree((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
