// Printing types (grammar: typeExpr, namedType, recordType, fieldType): `List[Float]`,
// `{lr: Float, bs: Int}`, `File?`.

import type * as A from "../syntax/ast.js";
import { printEach, type AstPath, type Doc, type Print } from "./doc.js";
import { bracketed } from "./layout.js";

export function printNamedType(path: AstPath<A.NamedType>, print: Print): Doc {
  const node = path.node;
  if (node.args.length === 0) return print("name");
  // The grammar takes no trailing comma between `[` and `]`.
  return [print("name"), bracketed(node, printEach(path, print, "args"), { open: "[", close: "]", marker: "args", trailingComma: false })];
}

export function printRecordType(path: AstPath<A.RecordType>, print: Print): Doc {
  return bracketed(path.node, printEach(path, print, "fields"), { open: "{", close: "}", marker: "fields" });
}

export function printFieldType(print: Print): Doc {
  return [print("name"), ": ", print("type")];
}

export function printOptionalType(print: Print): Doc {
  return [print("inner"), "?"];
}
