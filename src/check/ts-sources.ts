// The source files of a TypeScript action: its module and the project modules it imports,
// which the plan hashes into the action's keys and the runtime loads.

import path from "node:path";
import { readUserFile } from "../host.js";
import { resolveRelative } from "../module-resolution.js";
import { MAX_SOURCE_BYTES } from "../syntax/index.js";
import { morph } from "./ts-morph.js";

/**
 * The absolute paths of `module` and of every module it imports through relative
 * specifiers, transitively, sorted. Specifiers resolve by the rule the runtime loader
 * follows (module-resolution.ts), so the list is what the action runs.
 */
export function tsSourceFiles(module: string): string[] {
  const found = new Set<string>();
  const visit = (file: string): void => {
    if (found.has(file)) return;
    // What is not a regular file is left out (the checker reports the module itself); a
    // source too large to scan for imports still counts by its content.
    const read = readUserFile(file, MAX_SOURCE_BYTES);
    if (!read.ok) {
      if (read.problem === "too large") found.add(file);
      return;
    }
    const text = read.text;
    found.add(file);
    if (!/\.[cm]?[jt]sx?$/.test(file)) return; // e.g. an imported JSON file: content only
    for (const ref of morph().ts.preProcessFile(text, true, true).importedFiles) {
      const target = resolveRelative(ref.fileName, path.dirname(file));
      if (target) visit(target);
    }
  };
  visit(path.resolve(module));
  return [...found].sort();
}
