// Printing declarations (grammar: module, importDecl, actionDecl, tsImpl, signature, param,
// outputDecl, pipelineDecl). One blank line between declarations; consecutive imports stay
// together unless the source separates them. A signature that does not fit breaks the longer
// of its parameter and output lists first.

import type * as A from "../syntax/ast.js";
import { printFileComments } from "./comments.js";
import { conditionalGroup, group, hardline, printEach, type AstPath, type Doc, type Print } from "./doc.js";
import { block, bracketed } from "./layout.js";
import type { Root } from "./parser.js";
import { blankLineAfter } from "./source-text.js";

export function printModule(path: AstPath<Root>, text: string, print: Print): Doc {
  const root = path.node;
  if (root.declarations.length === 0) {
    const comments = printFileComments(root, text);
    return root.comments?.length ? [comments, hardline] : "";
  }
  const parts: Doc[] = [];
  printEach(path, print, "declarations").forEach((doc, i) => {
    const previous = root.declarations[i - 1];
    if (previous) {
      const tight = previous.kind === "Import" && root.declarations[i]!.kind === "Import" && !blankLineAfter(text, previous.span.end);
      parts.push(tight ? hardline : [hardline, hardline]);
    }
    parts.push(doc);
  });
  return [...parts, hardline];
}

export function printImport(node: A.ImportDecl, print: Print): Doc {
  return ["import ", print("path"), node.alias ? [" as ", print("alias")] : ""];
}

export function printAction(path: AstPath<A.ActionDecl>, text: string, print: Print): Doc {
  const node = path.node;
  const head: Doc[] = ["action ", print("name"), node.signature ? print("signature") : ""];
  if (!Array.isArray(node.body)) return [...head, " = ", print("body")];
  return [...head, " ", block(node, node.body as readonly A.ActionItem[], printEach(path, print, "body"), text)];
}

export function printTsImpl(node: A.TsImpl, text: string): Doc {
  // `ts` (or `py`) and the reference string, as written; a comment between them trails the line.
  let i = node.span.start + 2;
  while (i < node.span.end && text[i] !== '"') {
    const end = text[i] === "#" ? text.indexOf("\n", i) : i + 1;
    i = end < 0 ? node.span.end : end;
  }
  return [`${node.language} `, text.slice(i, node.span.end)];
}

export function printSignature(path: AstPath<A.Signature>, print: Print): Doc {
  const node = path.node;
  const params = bracketed(node, printEach(path, print, "params"), { open: "(", close: ")", marker: "params", grouped: false });
  const outputs = bracketed(node, printEach(path, print, "outputs"), { open: "(", close: ")", marker: "outputs", grouped: false });
  if (outputs === "()") return group(params);
  // The first layout that fits: all on one line; else the longer list (by count; the
  // parameters on a tie) one element per line, then the other one too if it still does not fit.
  const breakOutputs = [group(params), " -> ", group(outputs, { shouldBreak: true })];
  const breakParams = [group(params, { shouldBreak: true }), " -> ", group(outputs)];
  const outputsFirst = node.outputs.length > node.params.length;
  return conditionalGroup([[group(params), " -> ", group(outputs)], outputsFirst ? breakOutputs : breakParams, outputsFirst ? breakParams : breakOutputs]);
}

export function printParam(node: A.Param, print: Print): Doc {
  return [print("name"), ": ", print("type"), node.default ? [" = ", print("default")] : ""];
}

export function printOutput(node: A.OutputDecl, print: Print): Doc {
  return [print("name"), ": ", print("type"), node.file ? [" = ", print("file")] : ""];
}

export function printPipeline(path: AstPath<A.PipelineDecl>, text: string, print: Print): Doc {
  const node = path.node;
  return ["pipeline ", print("name"), print("signature"), " ", block(node, node.body, printEach(path, print, "body"), text)];
}
