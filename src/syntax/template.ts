// Templates: a `shell` string split into literal text and `~{...}` interpolations, each
// interpolation parsed as an expression with offsets kept against the source, and the
// literal text dedented or unescaped as the string's form says. `~~{` is a literal `~{`.

import type { IToken } from "chevrotain";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import type * as A from "./ast.js";
import { dottedPath } from "./dotted-path.js";
import { findTooDeep, lex, MAX_NESTING, tokenSpan } from "./lex.js";
import { dedent } from "./parser.js";

/** Parses the tokens of one interpolation as an expression (the grammar's, run by index.ts). */
export type ExpressionParser = (tokens: IToken[], file: string, diagnostics: Diagnostic[]) => A.Expr;

/**
 * Splits a `shell` string into literal text and `~{expr}` interpolations. Offsets are kept
 * against the source so that a mistake inside `~{...}` is reported where it is written.
 */
export function parseTemplate(token: IToken, file: string, diagnostics: Diagnostic[], expression: ExpressionParser): A.Template {
  const triple = token.image.startsWith('"""');
  const quote = triple ? 3 : 1;
  // A NUL is reported by the lexer; here it would pass for a marker below. U+FFFD keeps the offsets.
  const body = token.image.slice(quote, token.image.length - quote).replace(/\0/g, "\ufffd");
  const bodyStart = token.startOffset + quote;
  const span = { file, start: token.startOffset, end: token.startOffset + token.image.length };

  // Interpolations become markers so that dedenting the literal text cannot disturb them.
  const interpolations: A.Interpolation[] = [];
  let marked = "";
  let i = 0;
  for (;;) {
    const open = body.indexOf("~{", i);
    if (open < 0) break;
    // `~~{` is a literal `~{`: its first `~` is dropped and the braces are command text.
    if (open > i && body[open - 1] === "~") {
      marked += body.slice(i, open - 1) + "~{";
      i = open + 2;
      continue;
    }
    const close = body.indexOf("}", open + 2);
    if (close < 0) {
      diagnostics.push(at(Diag.unterminatedInterpolation(), { file, start: bodyStart + open, end: bodyStart + open + 2 }));
      break;
    }
    const interpolation = parseInterpolation(body.slice(open + 2, close), bodyStart + open, bodyStart + close + 1, file, diagnostics, expression);
    // A broken interpolation (already reported) is left out rather than checked again.
    marked += body.slice(i, open) + (interpolation ? `\u0000${interpolations.push(interpolation) - 1}\u0000` : "");
    i = close + 1;
  }
  marked += body.slice(i);
  const text = triple ? dedent(marked) : marked.replace(/\\"/g, '"');

  const parts: (string | A.Interpolation)[] = [];
  text.split("\u0000").forEach((piece, index) => {
    if (index % 2 === 1) parts.push(interpolations[Number(piece)]!);
    else if (piece !== "") parts.push(piece);
  });
  return { kind: "Template", parts, span };
}

/** The expression of one `~{...}`, or `undefined` when it has a mistake (reported here). */
function parseInterpolation(source: string, start: number, end: number, file: string, diagnostics: Diagnostic[], expression: ExpressionParser): A.Interpolation | undefined {
  const span = { file, start, end };
  const path = dottedPath(source, start + 2, file, MAX_NESTING);
  if (path) return { kind: "Interpolation", expr: path, span };
  const before = diagnostics.length;
  const tokens = lex(source, start + 2, file, diagnostics);
  if (tokens.length === 0 && diagnostics.length === before) {
    diagnostics.push(at(Diag.syntaxError("empty interpolation `~{}`"), span));
  }
  const deep = findTooDeep(tokens);
  if (deep) diagnostics.push(at(Diag.tooDeep(MAX_NESTING), tokenSpan(deep, file)));
  if (diagnostics.length > before) return undefined;
  const expr = expression(tokens, file, diagnostics);
  // With no mistake there was no error recovery, so the expression is whole.
  return diagnostics.length > before ? undefined : { kind: "Interpolation", expr, span };
}
