// The `pipe-ast` printer: one dispatch on the node kind into the printer module of its
// grammar area (declarations, types, expressions, statements and action items, templates),
// plus the comment hooks of comments.ts.

import type { Printer } from "prettier";
import type * as A from "../syntax/ast.js";
import { canAttachComment, handleComments, printComment } from "./comments.js";
import * as D from "./declarations.js";
import type { AstPath, Doc, Print, PrintArgs } from "./doc.js";
import * as E from "./expressions.js";
import type { CommentNode, Root } from "./parser.js";
import * as S from "./statements.js";
import { printTemplate } from "./templates.js";
import { childNodes, visitorKeys, type Node } from "./tree.js";
import * as T from "./types.js";

function print(path: AstPath<Node>, options: { originalText: string }, print: Print, args?: PrintArgs): Doc {
  const node = path.node;
  const text = options.originalText;
  const at = <N extends Node>() => path as unknown as AstPath<N>;
  switch (node.kind) {
    case "Module":
      return D.printModule(at<Root>(), text, print);
    case "Import":
      return D.printImport(node, print);
    case "Action":
      return D.printAction(at<A.ActionDecl>(), text, print);
    case "TsImpl":
      return D.printTsImpl(node, text);
    case "Signature":
      return D.printSignature(at<A.Signature>(), print);
    case "Param":
      return D.printParam(node, print);
    case "OutputDecl":
      return D.printOutput(print);
    case "Pipeline":
      return D.printPipeline(at<A.PipelineDecl>(), text, print);
    case "Uses":
      return S.printUses(at<A.UsesItem>(), print);
    case "Resources":
    case "Env":
      return S.printBlockItem(node, print);
    case "Shell":
      return S.printShell(print);
    case "Setting":
      return S.printSetting(print);
    case "With":
      return S.printWith(at<A.WithStmt>(), print);
    case "Let":
      return S.printLet(print);
    case "Return":
      return S.printReturn(at<A.ReturnStmt>(), print);
    case "NamedType":
      return T.printNamedType(at<A.NamedType>(), print);
    case "RecordType":
      return T.printRecordType(at<A.RecordType>(), print);
    case "FieldType":
      return T.printFieldType(print);
    case "OptionalType":
      return T.printOptionalType(print);
    case "IntLiteral":
    case "FloatLiteral":
    case "StringLiteral":
    case "BoolLiteral":
    case "NoneLiteral":
      return E.printLiteral(node, text);
    case "NameRef":
      return node.name;
    case "Identifier":
      return node.name;
    case "FieldAccess":
      return E.printFieldAccess(node, print);
    case "ListLiteral":
      return E.printList(at<A.ListLiteral>(), print);
    case "RecordLiteral":
      return E.printRecord(at<A.RecordLiteral>(), print, args);
    case "FieldInit":
      return E.printFieldInit(print);
    case "Argument":
      return E.printArgument(node, print);
    case "Call":
      return E.printCall(at<A.Call>(), print);
    case "ForExpr":
      return E.printFor(at<A.ForExpr>(), print);
    case "Negate":
      return E.printNegate(node, print);
    case "If":
      return E.printIf(print);
    case "Binary":
      return E.printBinary(node, print);
    case "Not":
      return E.printNot(node, print);
    case "Index":
      return E.printIndex(node, print);
    case "Template":
      return printTemplate(node, text);
  }
}

export const pipePrinter: Printer<Node | CommentNode> = {
  print: print as Printer<Node | CommentNode>["print"],
  printComment: printComment as Printer<Node | CommentNode>["printComment"],
  canAttachComment,
  handleComments,
  getCommentChildNodes: (node) => (node.kind === "Comment" ? [] : childNodes(node)),
  getVisitorKeys: (node) => (node.kind === "Comment" ? [] : [...visitorKeys(node)]),
};
