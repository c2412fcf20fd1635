// Printing what goes inside blocks (grammar: statement, actionItem and its contextual forms):
// `with { seed = 42 }`, `let x = ...`, `return (a = x.a)`, and the action items `uses`,
// `resources { ... }`, `env { ... }`, `shell ...`, `retries = N`, `cache = false`.

import type * as A from "../syntax/ast.js";
import { group, indent, join, line, printEach, type AstPath, type Doc, type Print } from "./doc.js";
import { bracketed } from "./layout.js";

export function printWith(path: AstPath<A.WithStmt>, print: Print): Doc {
  return ["with ", bracketed(path.node, printEach(path, print, "fields"), { open: "{", close: "}", marker: "fields", spaced: true })];
}

export function printLet(print: Print): Doc {
  return ["let ", print("name"), " = ", print("value")];
}

export function printReturn(path: AstPath<A.ReturnStmt>, print: Print): Doc {
  return ["return ", bracketed(path.node, printEach(path, print, "fields"), { open: "(", close: ")", marker: "fields" })];
}

export function printUses(path: AstPath<A.UsesItem>, print: Print): Doc {
  const paths = printEach(path, print, "paths");
  // One path is not indented, so that a triple-quoted one closes under `uses`.
  return paths.length === 1 ? ["uses ", paths[0]!] : group(["uses ", indent(join([",", line], paths))]);
}

export function printBlockItem(node: A.ResourcesItem | A.EnvItem, print: Print): Doc {
  return [node.kind === "Resources" ? "resources " : "env ", print("record", { spaced: true })];
}

export function printShell(print: Print): Doc {
  return ["shell ", print("template")];
}

export function printSetting(print: Print): Doc {
  return [print("name"), " = ", print("value")];
}
