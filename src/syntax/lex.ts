// Lexing and the guards that run before the grammar: tokens with their diagnostics (an
// unexpected character, an unterminated string, a NUL in a string), token spans, and the
// nesting limit that keeps chevrotain's recursive error recovery off the end of the stack.

import type { IToken } from "chevrotain";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import * as T from "./tokens.js";

// Chevrotain's error recovery walks the grammar along the whole rule stack, recursively:
// an unclosed `[` about 85 levels deep overflows Node's default stack. 40 levels leaves
// room for any caller and is far beyond what a program needs.
export const MAX_NESTING = 40;
/** Why a NUL cannot be in a string: every string may reach a command, and none can carry one. */
export const NUL_HINT = "a command's arguments and environment cannot carry a NUL (bash would drop it): remove it, or write the bytes to a file and pass its path";

export function lex(text: string, base: number, file: string, diagnostics: Diagnostic[]): IToken[] {
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

export function tokenSpan(token: IToken, file: string, tokens: IToken[] = []): Span {
  if (!Number.isNaN(token.startOffset)) return { file, start: token.startOffset, end: token.startOffset + token.image.length };
  // End of file or a token invented by recovery: point just after the last real token.
  const last = tokens[tokens.length - 1];
  const end = last ? last.startOffset + last.image.length : 0;
  return { file, start: end, end };
}

/**
 * The first token past the nesting limit. The tree nests at brackets, at runs of unary
 * minus, along postfix chains (`a.b.c`, `f()()`), and along operator chains (`a + b + c`,
 * `not not x`, `if a then if b ...`), so all are counted: a chain is the `.`s and call
 * parentheses in a row at one bracket level; operators count until a `,` or `=` at their
 * level ends the expression they are in.
 */
export function findTooDeep(tokens: IToken[]): IToken | undefined {
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
    else if (type === T.Comma || type === T.Equals || statementStarts.has(type)) operators[depth] = 0;
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

const statementStarts = new Set([T.Let, T.With, T.Return, T.Action, T.Pipeline, T.Import]);
