// The common interpolation, a name or a dotted path (`~{lr}`, `~{cfg.lr}`, `~{out.model}`),
// read without the parser. A program has thousands of them and a parser run per `~{...}`
// costs far more than this regular expression. Anything else (lists, records, `raw(...)`,
// keywords, mistakes) goes to the parser, so this never decides what is valid; it builds
// exactly the nodes and spans the parser would.

import type * as A from "./ast.js";
import { keywords } from "./tokens.js";

const shape = /^([ \t]*)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)[ \t]*$/;

/** `source` as a name with fields, when it is one of at most `limit` parts; `start` is its offset. */
export function dottedPath(source: string, start: number, file: string, limit: number): A.Expr | undefined {
  const match = shape.exec(source);
  if (!match) return undefined;
  const names = match[2]!.split(".");
  if (names.length > limit || names.some((name) => keywords.has(name))) return undefined;
  const first = start + match[1]!.length;
  let end = first + names[0]!.length;
  let expr: A.Expr = { kind: "NameRef", name: names[0]!, span: { file, start: first, end } };
  for (const name of names.slice(1)) {
    const field: A.Identifier = { kind: "Identifier", name, span: { file, start: end + 1, end: end + 1 + name.length } };
    end = field.span.end;
    expr = { kind: "FieldAccess", target: expr, field, span: { file, start: first, end } };
  }
  return expr;
}
