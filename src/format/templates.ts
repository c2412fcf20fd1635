// Strings, `shell` commands above all, are printed as written: their text is the command and
// the cache key. The one change: a triple-quoted block is re-indented as a whole — its
// dedented content, two spaces in from the line it starts on, the closing quotes under that
// line — and only when that provably leaves its value (its template, for `shell`) the same;
// otherwise it is kept byte for byte.

import type * as A from "../syntax/ast.js";
import { parse } from "../syntax/index.js";
import { decodeLiteral, dedent } from "../syntax/parser.js";
import { dedentToRoot, join, literalline, markAsRoot, type Doc } from "./doc.js";
import { sameTree } from "./tree.js";

export function printTemplate(node: A.Template, text: string): Doc {
  const image = text.slice(node.span.start, node.span.end);
  return isTriple(image) ? printTriple(image, (candidate) => sameTree(templateOf(candidate)?.parts, node.parts)) : image;
}

export function printString(node: A.StringLiteral, text: string): Doc {
  const image = text.slice(node.span.start, node.span.end);
  return isTriple(image) ? printTriple(image, (candidate) => decodeLiteral(candidate) === node.value) : image;
}

const isTriple = (image: string) => image.startsWith('"""');

/**
 * `keeps(candidate)` tells whether the block laid out at no indentation means the same as the
 * original; the layout is the same at any indentation, since dedenting removes it again.
 */
function printTriple(image: string, keeps: (candidate: string) => boolean): Doc {
  const lines = dedent(image.slice(3, -3)).split("\n");
  const candidate = '"""\n' + lines.map((l) => (l === "" ? "" : "  " + l)).join("\n") + '\n"""';
  // With no non-blank line, nothing is dedented and the blanks themselves are the value.
  if (!lines.some((l) => l.trim() !== "") || !keeps(candidate)) return join(literalline, image.split("\n"));
  // `literalline` keeps every character of a line (a plain line break would trim trailing
  // blanks); under `markAsRoot` it indents to the line the block starts on.
  return markAsRoot(['"""', ...lines.map((l) => (l === "" ? dedentToRoot(literalline) : [literalline, "  ", l])), literalline, '"""']);
}

/** The template of a `shell` string, as the syntax phase reads it. */
function templateOf(image: string): A.Template | undefined {
  const { module, diagnostics } = parse(`action a {\n  shell ${image}\n}\n`, "<template>");
  const action = module.declarations[0];
  if (diagnostics.length > 0 || action?.kind !== "Action" || !Array.isArray(action.body)) return undefined;
  const item = (action.body as readonly A.ActionItem[])[0];
  return item?.kind === "Shell" ? item.template : undefined;
}
