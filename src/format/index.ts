// The format phase's entry: `formatText(text, file)` → the formatted text, or the syntax
// diagnostics of a file that cannot be formatted. The layout is prettier's, through our
// plugin (plugin.ts); before a result is returned it is parsed again and must give the same
// tree and the same comments, so a formatter bug can never change a program or lose a comment.

import { format } from "prettier";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parse } from "../syntax/index.js";
import { lexer } from "../syntax/tokens.js";
import plugin, { defaultOptions } from "./plugin.js";
import { sameTree } from "./tree.js";

export { default as plugin } from "./plugin.js";

export interface FormatResult {
  /** Present when the file parsed. */
  readonly formatted?: string;
  readonly diagnostics: Diagnostic[];
}

export async function formatText(text: string, file: string): Promise<FormatResult> {
  // Prettier works on "\n" line ends; so does every command, whose cache key trims the rest.
  const source = text.replace(/\r\n?/g, "\n");
  const before = parse(source, file);
  if (hasErrors(before.diagnostics)) return { diagnostics: before.diagnostics };
  const formatted = await format(source, { ...defaultOptions, parser: "pipe", plugins: [plugin], filepath: file });
  const after = parse(formatted, file);
  const unchanged = !hasErrors(after.diagnostics) && sameTree(before.module.declarations, after.module.declarations);
  if (!unchanged) throw new Error(`formatting ${file} would change the program; it is left as it is`);
  if (!sameComments(source, formatted)) throw new Error(`formatting ${file} would lose or alter a comment; it is left as it is`);
  return { formatted, diagnostics: before.diagnostics };
}

/** The same comments, in any order: a comment inside a statement may move above it. */
function sameComments(a: string, b: string): boolean {
  const comments = (text: string) => (lexer.tokenize(text).groups["comments"] ?? []).map((t) => t.image.trimEnd()).sort();
  const ca = comments(a);
  const cb = comments(b);
  return ca.length === cb.length && ca.every((c, i) => c === cb[i]);
}
