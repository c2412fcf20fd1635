// Where each `#` comment goes. Prettier finds the innermost node around a comment and its
// neighbours; the rules here place it so that formatting keeps it in the bracket it was
// written in and a second formatting finds it where the first one put it:
//
//  - inside a bracketed region of a node (parameters, arguments, a block, a record, ...):
//    on its own line it leads the next element (or trails the last); at the end of a line
//    it trails the element before it, or, right after the opening bracket, stays there;
//    in an empty region it stays inside the brackets;
//  - elsewhere inside a node (between `let x =` and its value, say): it moves above the
//    statement, item, declaration or list element it is in, where a line starts anyway.
//
// Every comment is a line comment, printed as written minus trailing blanks; prettier checks
// that each one was printed.

import type { AstPath, Doc } from "prettier";
import { util } from "prettier";
import { breakParent, hardline, indent, join, lineSuffix } from "./doc.js";
import { firstOpen, type Brackets, type CommentNode, type Root } from "./parser.js";
import { blankLineAfter } from "./source-text.js";
import { childNodes, type Node } from "./tree.js";

/** A bracketed part of a node: comments inside it stay inside it. */
interface Region {
  readonly marker: string;
  readonly open: number;
  readonly close: number;
}

/** Nodes that always start a line. */
const statementKinds = new Set<string>(["Import", "Action", "Pipeline", "With", "Let", "Return", "Uses", "Resources", "Env", "Shell", "Setting"]);

export function regionsOf(node: Node, brackets: Brackets): Region[] {
  const regions: Region[] = [];
  const add = (marker: string, open: number | undefined, close?: number) => {
    if (open === undefined) return;
    const end = close ?? brackets.close.get(open);
    if (end !== undefined) regions.push({ marker, open, close: end });
  };
  switch (node.kind) {
    case "Signature": {
      add("params", node.span.start);
      const paramsClose = brackets.close.get(node.span.start);
      const outputs = paramsClose === undefined ? undefined : firstOpen(brackets, "(", paramsClose + 1);
      if (outputs !== undefined && outputs < node.span.end) add("outputs", outputs);
      break;
    }
    case "Action":
      if (Array.isArray(node.body)) add("body", firstOpen(brackets, "{", (node.signature ?? node.name).span.end), node.span.end - 1);
      break;
    case "Pipeline":
      add("body", firstOpen(brackets, "{", node.signature.span.end), node.span.end - 1);
      break;
    case "RecordLiteral":
    case "RecordType":
      add("fields", node.span.start, node.span.end - 1);
      break;
    case "ListLiteral":
      add("items", node.span.start, node.span.end - 1);
      break;
    case "With":
      add("fields", firstOpen(brackets, "{", node.span.start), node.span.end - 1);
      break;
    case "Return":
      add("fields", firstOpen(brackets, "(", node.span.start), node.span.end - 1);
      break;
    case "Call":
      add("args", firstOpen(brackets, "(", node.callee.span.end));
      break;
    case "NamedType":
      if (node.args.length > 0) add("args", firstOpen(brackets, "[", node.name.span.end));
      break;
    case "ForExpr": {
      if (node.mode === "zip") add("vars", firstOpen(brackets, "(", node.span.start));
      const lastSource = node.sources[node.sources.length - 1];
      if (lastSource) add("body", firstOpen(brackets, "{", lastSource.span.end), node.span.end - 1);
      break;
    }
    default:
      break;
  }
  return regions;
}

const within = (span: { start: number; end: number }, region: Region) => span.start > region.open && span.end <= region.close;

/** The nodes from a declaration down to the innermost one that encloses `comment`. */
function enclosingChain(root: Root, comment: CommentNode): Node[] {
  const chain: Node[] = [];
  let node: Node = root;
  for (;;) {
    const child: Node | undefined = childNodes(node).find((c) => c.span.start <= comment.span.start && comment.span.end <= c.span.end);
    if (!child) return chain;
    chain.push(child);
    node = child;
  }
}

/** Whether the printer puts `node` at the start of a line whenever it has a leading comment. */
function startsLine(node: Node, parent: Node | undefined, brackets: Brackets): boolean {
  return statementKinds.has(node.kind) || (parent !== undefined && regionsOf(parent, brackets).some((r) => within(node.span, r)));
}

function attach(comment: CommentNode, _text: string, _options: unknown, ast: unknown): boolean {
  const root = ast as Root;
  const chain = enclosingChain(root, comment);
  const node = chain[chain.length - 1];
  // Between declarations: prettier's own placement (lead the next, or trail the last).
  if (!node) return false;
  const ownLine = comment.placement === "ownLine";
  const { start, end } = comment.span;
  const children = childNodes(node);
  const region = regionsOf(node, root.brackets).find((r) => within(comment.span, r));
  if (region) {
    const inside = children.filter((c) => within(c.span, region));
    const before = inside.filter((c) => c.span.end <= start).pop();
    const after = inside.find((c) => c.span.start >= end);
    if (!ownLine && before) return util.addTrailingComment(before, comment);
    const opened = (node as { comments?: CommentNode[] }).comments?.some((c) => c.marker === `${region.marker}:open`);
    if (!ownLine && !opened) return util.addDanglingComment(node, comment, `${region.marker}:open`);
    if (after) return util.addLeadingComment(after, comment);
    if (before) return util.addTrailingComment(before, comment);
    return util.addDanglingComment(node, comment, region.marker);
  }
  // Elsewhere (`let x = # ...`): above the innermost enclosing node that starts a line. Kept
  // at the end of its line instead, it could share that line with another such comment.
  for (let i = chain.length - 1; i >= 0; i--) {
    if (startsLine(chain[i]!, chain[i - 1], root.brackets)) return util.addLeadingComment(chain[i]!, comment);
  }
  return false;
}

export const handleComments = { ownLine: attach, endOfLine: attach, remaining: attach };

export function canAttachComment(node: Node | CommentNode): boolean {
  return node.kind !== "Comment" && node.kind !== "Module";
}

export function printComment(path: AstPath<CommentNode>): Doc {
  return path.node.value.trimEnd();
}

function dangling(node: Node, marker: string): CommentNode[] {
  const comments = ((node as { comments?: CommentNode[] }).comments ?? []).filter((c) => !c.leading && !c.trailing && c.marker === marker);
  for (const c of comments) c.printed = true;
  return comments;
}

/** The comment written right after the opening bracket of a region, kept there. */
export function printOpenComments(node: Node, marker: string): Doc {
  const comments = dangling(node, `${marker}:open`);
  return comments.length === 0 ? "" : [lineSuffix([" ", join(" ", comments.map((c) => c.value.trimEnd()))]), breakParent];
}

/** Comments in an empty region: one per line, indented inside the brackets. */
export function printInnerComments(node: Node, marker: string): Doc {
  const comments = dangling(node, marker);
  return comments.length === 0 ? "" : indent([hardline, join(hardline, comments.map((c) => c.value.trimEnd()))]);
}

/** Comments of a file with no declarations, one blank line kept where the source has one. */
export function printFileComments(root: Root, text: string): Doc {
  const comments = ((root as { comments?: CommentNode[] }).comments ?? []).filter((c) => !c.leading && !c.trailing);
  for (const c of comments) c.printed = true;
  return comments.map((c, i) => [i === 0 ? "" : blankLineAfter(text, comments[i - 1]!.span.end) ? [hardline, hardline] : hardline, c.value.trimEnd()]);
}
