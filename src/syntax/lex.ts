// Lexing and the guards that run before the grammar: tokens with their diagnostics (an
// unexpected character, an unterminated string, a NUL in a string), token spans, and the
// nesting limit that keeps chevrotain's recursive error recovery off the end of the stack.

import type { IToken } from "chevrotain";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import * as T from "./tokens.js";
import { maxOf } from "../arrays.js";

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
  const role = roles();
  let depth = 0;
  let minusRun = 0;
  const chains = [0];
  const operators = [0];
  let previous = 0;
  for (const token of tokens) {
    const type = token.tokenType;
    const r = role[token.tokenTypeIdx]!;
    const call = type === T.LParen && (previous & FOLLOWS_CALLEE) !== 0;
    if (type === T.Dot || call) chains[depth]!++;
    else if ((r & KEEPS_CHAIN) === 0) chains[depth] = 0;
    if (r & OPERATOR) operators[depth]!++;
    else if (r & ENDS_OPERATORS) operators[depth] = 0;
    if (r & OPENER) {
      chains[++depth] = 0;
      operators[depth] = 0;
    } else if (r & CLOSER) depth = Math.max(0, depth - 1);
    minusRun = type === T.Minus ? minusRun + 1 : 0;
    if (depth + minusRun + chains[depth]! + operators[depth]! > MAX_NESTING) return token;
    previous = r;
  }
  return undefined;
}

// What each kind of token does to the counts, by chevrotain's index of its type: a table
// rather than five set lookups per token (the tokens of a sweep of 100,000 values are 200,000).
const OPENER = 1;
const CLOSER = 2;
const OPERATOR = 4;
/** A `,`, `=` or a statement's first word: the expression its operators were in has ended. */
const ENDS_OPERATORS = 8;
/** An identifier or a bracket: a postfix chain goes on through it. */
const KEEPS_CHAIN = 16;
/** An identifier or `)`: a `(` after it is a call. */
const FOLLOWS_CALLEE = 32;
let table: Uint8Array | undefined;

function roles(): Uint8Array {
  if (table) return table;
  table = new Uint8Array(maxOf(T.allTokens.map((t) => t.tokenTypeIdx!)) + 1);
  for (const t of T.allTokens) {
    let r = 0;
    if (T.openers.has(t)) r |= OPENER | KEEPS_CHAIN;
    if (T.closers.has(t)) r |= CLOSER | KEEPS_CHAIN;
    if (T.operators.has(t)) r |= OPERATOR;
    if (t === T.Comma || t === T.Equals || statementStarts.has(t)) r |= ENDS_OPERATORS;
    if (t === T.Identifier) r |= KEEPS_CHAIN | FOLLOWS_CALLEE;
    if (t === T.RParen) r |= FOLLOWS_CALLEE;
    table[t.tokenTypeIdx!] = r;
  }
  return table;
}

const statementStarts = new Set([T.Let, T.With, T.Return, T.Action, T.Pipeline, T.Import]);
