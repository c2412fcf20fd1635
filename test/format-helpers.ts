// Shared by the formatter's tests: the `.pipe` files of a directory and the comments of a text.
import fs from "node:fs";
import path from "node:path";
import { lexer } from "../src/syntax/tokens.js";

export const root = path.resolve(import.meta.dirname, "..");

/** Every `.pipe` file under `dir`, sorted; directories named `.pipe` are stores and skipped. */
export function pipeFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== ".pipe") found.push(...pipeFilesUnder(full));
    else if (entry.isFile() && entry.name.endsWith(".pipe")) found.push(full);
  }
  return found.sort();
}

/** The comments of a text, trailing blanks aside, in sorted order (a comment may move above its statement). */
export function commentsOf(text: string): string[] {
  return (lexer.tokenize(text).groups["comments"] ?? []).map((t) => t.image.trimEnd()).sort();
}

/** A copy of `dir` in a fresh temporary directory, without its stores. */
export function copyProject(dir: string, into: string): string {
  const target = path.join(into, path.basename(dir));
  fs.cpSync(dir, target, { recursive: true, filter: (source) => !(path.basename(source) === ".pipe" && fs.statSync(source).isDirectory()) });
  return target;
}
