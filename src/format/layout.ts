// The shapes every printer module shares: a bracketed, comma-separated list that stays on one
// line when it fits and otherwise puts one element per line with a trailing comma, and a
// `{ ... }` block of items or statements, one per line, keeping single blank lines.

import { printInnerComments, printOpenComments } from "./comments.js";
import { group, hardline, ifBreak, indent, join, line, softline, type Doc } from "./doc.js";
import { blankLineAfter } from "./source-text.js";
import type { Node } from "./tree.js";

export interface ListShape {
  readonly open: string;
  readonly close: string;
  /** The comment region of the brackets (see comments.ts). */
  readonly marker: string;
  /** `{ a = 1 }` rather than `{a = 1}` when flat. */
  readonly spaced?: boolean;
  /** False where the grammar allows no trailing comma (`List[T]`, `for (x, y) in`). */
  readonly trailingComma?: boolean;
  /** False to leave the grouping to the caller (a signature breaks its parameters first). */
  readonly grouped?: boolean;
}

export function bracketed(node: Node, items: Doc[], shape: ListShape): Doc {
  const opening = printOpenComments(node, shape.marker);
  const inner = printInnerComments(node, shape.marker);
  if (items.length === 0) {
    if (opening === "" && inner === "") return shape.open + shape.close;
    return [shape.open, opening, inner, hardline, shape.close];
  }
  const gap = shape.spaced ? line : softline;
  const contents = [shape.open, opening, indent([gap, join([",", line], items)]), shape.trailingComma === false ? "" : ifBreak(","), gap, shape.close];
  return shape.grouped === false ? contents : group(contents);
}

/** `{`, one element per line (a blank line kept where the source has one), `}`. */
export function block(node: Node, elements: readonly Node[], docs: Doc[], text: string, marker = "body"): Doc {
  const opening = printOpenComments(node, marker);
  const inner = printInnerComments(node, marker);
  if (docs.length === 0) return opening === "" && inner === "" ? "{}" : ["{", opening, inner, hardline, "}"];
  const body: Doc[] = [];
  docs.forEach((doc, i) => {
    if (i > 0) body.push(blankLineAfter(text, elements[i - 1]!.span.end) ? [hardline, hardline] : hardline);
    body.push(doc);
  });
  return ["{", opening, indent([hardline, ...body]), hardline, "}"];
}
