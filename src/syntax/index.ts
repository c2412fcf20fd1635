// The syntax phase's entry: `parse(text, file)` → untyped module + diagnostics.
// Guards run before the grammar so that no input (random bytes, 10,000 nested brackets,
// a huge file) can crash or hang the parser: such input gets one clean diagnostic.

import type { IToken } from "chevrotain";
import { EOF } from "./chevrotain.js";
import { Diag } from "../diagnostics/catalog.js";
import { at, sortDiagnostics, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type * as A from "./ast.js";
import { dedent, PipeParser } from "./parser.js";
import { dottedPath } from "./dotted-path.js";
import { pruneIncomplete } from "./prune.js";
import * as T from "./tokens.js";

export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;
// Chevrotain's error recovery walks the grammar along the whole rule stack, recursively:
// an unclosed `[` about 85 levels deep overflows Node's default stack. 40 levels leaves
// room for any caller and is far beyond what a program needs.
export const MAX_NESTING = 40;
/** Why a NUL cannot be in a string: every string may reach a command, and none can carry one. */
export const NUL_HINT = "a command's arguments and environment cannot carry a NUL (bash would drop it): remove it, or write the bytes to a file and pass its path";
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
  const declarations = runParser(shared, tokens, file, diagnostics, (p) => p.module(), quiet);
  // Only error recovery leaves nodes half-built, so a clean parse needs no pruning.
  const whole = shared.errors.length > 0 ? pruneIncomplete(declarations) : declarations;
  return { module: { ...empty, declarations: whole }, diagnostics: capErrors(diagnostics) };
}

function runParser<R>(parser: PipeParser, tokens: IToken[], file: string, diagnostics: Diagnostic[], rule: (p: PipeParser) => R, quiet?: "end"): R {
  parser.file = file;
  parser.hooks = {
    template: (token, f) => parseTemplate(token, f, diagnostics),
    report: (kind, span, ...args) => diagnostics.push(at((Diag[kind] as (...a: string[]) => ReturnType<typeof Diag.badNumber>)(...args), span)),
  };
  parser.input = tokens;
  const result = rule(parser);
  let previous: Span | undefined;
  for (const error of parser.errors) {
    if (quiet === "end" && error.token.tokenType === EOF) continue;
    const span = tokenSpan(error.token, file, tokens);
    // Recovery can fail twice on one token (the list, then the block around it): one report.
    if (previous?.start !== span.start) diagnostics.push(at(Diag.syntaxError(error.message), span));
    previous = span;
  }
  return result;
}

function lex(text: string, base: number, file: string, diagnostics: Diagnostic[]): IToken[] {
  const result = T.lexer.tokenize(text);
  for (const error of result.errors) {
    const start = base + error.offset;
    diagnostics.push(at(Diag.unexpectedCharacter(text.substr(error.offset, error.length)), { file, start, end: start + error.length }));
  }
  for (const token of result.groups["unterminated"] ?? []) {
    const start = base + token.startOffset;
    diagnostics.push(at(Diag.unterminatedString(), { file, start, end: start + 1 }));
  }
  for (const token of result.tokens) {
    if (token.tokenType !== T.StringLit && token.tokenType !== T.TripleString) continue;
    for (let i = token.image.indexOf("\0"); i >= 0; i = token.image.indexOf("\0", i + 1)) {
      const start = base + token.startOffset + i;
      diagnostics.push(at(Diag.nulInString(), { file, start, end: start + 1 }, { hint: NUL_HINT }));
    }
  }
  if (base !== 0) for (const token of result.tokens) token.startOffset += base;
  return result.tokens;
}

function tokenSpan(token: IToken, file: string, tokens: IToken[] = []): Span {
  if (!Number.isNaN(token.startOffset)) return { file, start: token.startOffset, end: token.startOffset + token.image.length };
  // End of file or a token invented by recovery: point just after the last real token.
  const last = tokens[tokens.length - 1];
  const end = last ? last.startOffset + last.image.length : 0;
  return { file, start: end, end };
}

/**
 * The first token past the nesting limit. The tree nests at brackets, at runs of unary
 * minus, and along postfix chains (`a.b.c`, `f()()`), so all three are counted: a chain
 * is the `.`s and call parentheses in a row at one bracket level.
 */
function findTooDeep(tokens: IToken[]): IToken | undefined {
  let depth = 0;
  let minusRun = 0;
  const chains = [0];
  let previous: IToken | undefined;
  for (const token of tokens) {
    const type = token.tokenType;
    const call = type === T.LParen && (previous?.tokenType === T.Identifier || previous?.tokenType === T.RParen);
    if (type === T.Dot || call) chains[depth]!++;
    else if (type !== T.Identifier && !T.openers.has(type) && !T.closers.has(type)) chains[depth] = 0;
    if (T.openers.has(type)) chains[++depth] = 0;
    else if (T.closers.has(type)) depth = Math.max(0, depth - 1);
    minusRun = type === T.Minus ? minusRun + 1 : 0;
    if (depth + minusRun + chains[depth]! > MAX_NESTING) return token;
    previous = token;
  }
  return undefined;
}

/** The first errors in reading order, and a note where the unshown ones begin. */
function capErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_SYNTAX_ERRORS) return diagnostics;
  const sorted = sortDiagnostics(diagnostics);
  const kept = sorted.slice(0, MAX_SYNTAX_ERRORS);
  kept.push(at(Diag.tooManyErrors(sorted.length - MAX_SYNTAX_ERRORS), sorted[MAX_SYNTAX_ERRORS]!.span));
  return kept;
}

/**
 * Splits a `shell` string into literal text and `~{expr}` interpolations. Offsets are kept
 * against the source so that a mistake inside `~{...}` is reported where it is written.
 */
function parseTemplate(token: IToken, file: string, diagnostics: Diagnostic[]): A.Template {
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
    const close = body.indexOf("}", open + 2);
    if (close < 0) {
      diagnostics.push(at(Diag.unterminatedInterpolation(), { file, start: bodyStart + open, end: bodyStart + open + 2 }));
      break;
    }
    const interpolation = parseInterpolation(body.slice(open + 2, close), bodyStart + open, bodyStart + close + 1, file, diagnostics);
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
function parseInterpolation(source: string, start: number, end: number, file: string, diagnostics: Diagnostic[]): A.Interpolation | undefined {
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
  const parser = expressionParser("`}`");
  const expr = runParser(parser, tokens, file, diagnostics, (p) => p.expr());
  // With no mistake there was no error recovery, so the expression is whole.
  return diagnostics.length > before ? undefined : { kind: "Interpolation", expr, span };
}

/** Parses one expression on its own, e.g. a `-p name=value` parameter given on the command line. */
export function parseExpression(text: string, file: string): { expr?: A.Expr; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tokens = lex(text, 0, file, diagnostics);
  const deep = findTooDeep(tokens);
  if (deep) return { diagnostics: [...diagnostics, at(Diag.tooDeep(MAX_NESTING), tokenSpan(deep, file))] };
  if (tokens.length === 0) return { diagnostics: [...diagnostics, at(Diag.syntaxError("expected a value"), { file, start: 0, end: 0 })] };
  const expr = runParser(expressionParser("the end of the value"), tokens, file, diagnostics, (p) => p.expr());
  return diagnostics.length ? { diagnostics } : { expr, diagnostics };
}

/** The parser for lone expressions, its messages naming `end` as where the input stops. */
function expressionParser(end: string): PipeParser {
  forExpressions ??= new PipeParser({ end, after: end });
  forExpressions.wording.end = forExpressions.wording.after = end;
  return forExpressions;
}
