// The syntax phase's entry: `parse(text, file)` → untyped module + diagnostics.
// Guards run before the grammar so that no input (random bytes, 10,000 nested brackets,
// a huge file) can crash or hang the parser: such input gets one clean diagnostic (lex.ts).
// Templates (`shell` strings and their `~{...}`) are split in template.ts.

import type { IToken } from "chevrotain";
import { EOF } from "./chevrotain.js";
import { Diag } from "../diagnostics/catalog.js";
import { at, sortDiagnostics, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type * as A from "./ast.js";
import { findTooDeep, lex, MAX_NESTING, tokenSpan } from "./lex.js";
import { PipeParser } from "./parser.js";
import { pruneIncomplete } from "./prune.js";
import { MAX_SOURCE_BYTES } from "../host.js";
import { parseTemplate } from "./template.js";

export { MAX_NESTING, NUL_HINT } from "./lex.js";
export { MAX_SOURCE_BYTES };

const MAX_SYNTAX_ERRORS = 50;

export interface ParseResult {
  readonly module: A.Module;
  readonly diagnostics: Diagnostic[];
}

let shared: PipeParser | undefined;
let forExpressions: PipeParser | undefined;

export function parse(text: string, file: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const empty: A.Module = { kind: "Module", file, declarations: [], span: { file, start: 0, end: text.length } };
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SOURCE_BYTES) {
    return { module: empty, diagnostics: [at(Diag.tooLarge(bytes, MAX_SOURCE_BYTES), { file, start: 0, end: 0 })] };
  }
  const tokens = lex(text, 0, file, diagnostics);
  const deep = findTooDeep(tokens);
  if (deep) return { module: empty, diagnostics: [...diagnostics, at(Diag.tooDeep(MAX_NESTING), tokenSpan(deep, file))] };

  shared ??= new PipeParser({ end: "end of file", after: "`import`, `action` or `pipeline`" });
  // An unterminated `"""` runs to the end of the file: a complaint about the end is its echo.
  const quiet = diagnostics.some((d) => d.code === Diag.unterminatedString.code && text.startsWith('"""', d.span!.start)) ? "end" : undefined;
  const { value: declarations, recovered } = runParser(shared, tokens, file, diagnostics, (p) => p.module(), quiet);
  // Only error recovery leaves nodes half-built, so a clean parse needs no pruning.
  const whole = recovered ? pruneIncomplete(declarations) : declarations;
  return { module: { ...empty, declarations: whole }, diagnostics: capErrors(diagnostics) };
}

/** What `rule` read from `tokens`, and whether the parser recovered from errors (reported in `diagnostics`). */
function runParser<R>(parser: PipeParser, tokens: IToken[], file: string, diagnostics: Diagnostic[], rule: (p: PipeParser) => R, quiet?: "end"): { value: R; recovered: boolean } {
  parser.file = file;
  parser.hooks = {
    template: (token, f) => parseTemplate(token, f, diagnostics, interpolated),
    report: (kind, span, ...args) => diagnostics.push(at((Diag[kind] as (...a: string[]) => ReturnType<typeof Diag.badNumber>)(...args), span)),
  };
  parser.input = tokens;
  const value = rule(parser);
  const errors = parser.errors;
  // Else the parser holds the tokens until its next input: 200,000 for a sweep of 100,000 values.
  parser.input = [];
  let previous: Span | undefined;
  for (const error of errors) {
    if (quiet === "end" && error.token.tokenType === EOF) continue;
    const span = tokenSpan(error.token, file, tokens);
    // Recovery can fail twice on one token (the list, then the block around it): one report.
    if (previous?.start !== span.start) diagnostics.push(at(Diag.syntaxError(error.message), span));
    previous = span;
  }
  return { value, recovered: errors.length > 0 };
}

/** The first errors in reading order, and a note where the unshown ones begin. */
function capErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_SYNTAX_ERRORS) return diagnostics;
  const sorted = sortDiagnostics(diagnostics);
  const kept = sorted.slice(0, MAX_SYNTAX_ERRORS);
  kept.push(at(Diag.tooManyErrors(sorted.length - MAX_SYNTAX_ERRORS), sorted[MAX_SYNTAX_ERRORS]!.span));
  return kept;
}

/** An interpolation's expression, parsed by the parser for lone expressions. */
function interpolated(tokens: IToken[], file: string, diagnostics: Diagnostic[]): A.Expr {
  return runParser(expressionParser("`}`"), tokens, file, diagnostics, (p) => p.expr()).value;
}

/** Parses one expression on its own, e.g. a `-p name=value` parameter given on the command line. */
export function parseExpression(text: string, file: string): { expr?: A.Expr; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tokens = lex(text, 0, file, diagnostics);
  const deep = findTooDeep(tokens);
  if (deep) return { diagnostics: [...diagnostics, at(Diag.tooDeep(MAX_NESTING), tokenSpan(deep, file))] };
  if (tokens.length === 0) return { diagnostics: [...diagnostics, at(Diag.syntaxError("expected a value"), { file, start: 0, end: 0 })] };
  const expr = runParser(expressionParser("the end of the value"), tokens, file, diagnostics, (p) => p.expr()).value;
  return diagnostics.length ? { diagnostics } : { expr, diagnostics };
}

/** The parser for lone expressions, its messages naming `end` as where the input stops. */
function expressionParser(end: string): PipeParser {
  forExpressions ??= new PipeParser({ end, after: end });
  forExpressions.wording.end = forExpressions.wording.after = end;
  return forExpressions;
}
