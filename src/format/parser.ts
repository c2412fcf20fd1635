// The plugin's `pipe` parser: the syntax phase's `parse`, plus what only a formatter needs —
// the comments (the lexer's `comments` group, which the parser skips) and where every
// bracket closes, so that a comment can be kept inside the bracket it was written in.
// A file with a syntax error is not formatted: the error is thrown for prettier to show.

import type { IToken } from "chevrotain";
import type { Parser } from "prettier";
import { hasErrors, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";
import { parse } from "../syntax/index.js";
import { lexer } from "../syntax/tokens.js";
import type { Node } from "./tree.js";

export const AST_FORMAT = "pipe-ast";

/** A `#` comment, in the shape prettier's comment machinery expects (it adds the flags). */
export interface CommentNode {
  readonly kind: "Comment";
  /** The comment as written, from `#` to the end of the line. */
  readonly value: string;
  readonly span: Span;
  placement?: "ownLine" | "endOfLine" | "remaining";
  marker?: string;
  leading?: boolean;
  trailing?: boolean;
  printed?: boolean;
}

/** Where each bracket of the file is: open offset → close offset, and the opens by kind. */
export interface Brackets {
  readonly close: ReadonlyMap<number, number>;
  readonly opens: Readonly<Record<string, readonly number[]>>;
}

export interface Root extends A.Module {
  comments?: CommentNode[];
  readonly brackets: Brackets;
}

/** Syntax errors of a file handed to the formatter, with prettier's `loc` for its code frame. */
export class PipeSyntaxError extends Error {
  readonly loc?: { start: { line: number; column: number } };
  constructor(readonly diagnostics: Diagnostic[], text: string) {
    const first = diagnostics.find((d) => d.severity === "error")!;
    super(first.message);
    this.name = "SyntaxError";
    if (first.span) {
      const before = text.slice(0, first.span.start).split("\n");
      this.loc = { start: { line: before.length, column: before[before.length - 1]!.length + 1 } };
    }
  }
}

export function parseForFormat(text: string, file: string): Root {
  const { module, diagnostics } = parse(text, file);
  if (hasErrors(diagnostics)) throw new PipeSyntaxError(diagnostics, text);
  const lexed = lexer.tokenize(text);
  const comments = (lexed.groups["comments"] ?? []).map(
    (t): CommentNode => ({ kind: "Comment", value: t.image, span: { file, start: t.startOffset, end: t.startOffset + t.image.length } }),
  );
  return { ...module, comments, brackets: matchBrackets(lexed.tokens) };
}

function matchBrackets(tokens: readonly IToken[]): Brackets {
  const close = new Map<number, number>();
  const opens: Record<string, number[]> = { "(": [], "[": [], "{": [] };
  const stack: number[] = [];
  for (const token of tokens) {
    if (token.image === "(" || token.image === "[" || token.image === "{") {
      opens[token.image]!.push(token.startOffset);
      stack.push(token.startOffset);
    } else if (token.image === ")" || token.image === "]" || token.image === "}") {
      const open = stack.pop();
      if (open !== undefined) close.set(open, token.startOffset);
    }
  }
  return { close, opens };
}

/** The first `bracket` at or after `from`. */
export function firstOpen(brackets: Brackets, bracket: "(" | "[" | "{", from: number): number | undefined {
  const offsets = brackets.opens[bracket]!;
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return offsets[lo];
}

export const pipeParser: Parser<Node | CommentNode> = {
  astFormat: AST_FORMAT,
  parse: (text, options) => parseForFormat(text, options.filepath ?? "<input>"),
  locStart: (node) => node.span.start,
  locEnd: (node) => node.span.end,
};
