// Whether the bundle's files run each of pipe's modules after the ones it imports, as node
// would. esbuild's code splitting does not always: a module also loaded by `import()` may be
// laid out after a module of the same file that imports it (esbuild's issue 399), whose top
// level then reads its bindings before they are set, `undefined` in a schema that rejects
// every record. bin/bundle-cli.mjs refuses such a bundle; test/project/startup.test.ts holds
// the files it wrote to the same rule.

import fs from "node:fs";
import path from "node:path";

/** A module's name over its code in a bundle's file: `// dist/x.js` as esbuild writes it, `//! dist/x.js` as kept in the CommonJS. */
const MODULE = /^\/\/!? (dist\/\S+\.js)$/gm;

/**
 * Each module laid out before one it imports in the same file, as text, for `files` (each a
 * name and its text); `root` holds dist/, whose modules' own imports are read. Modules that
 * import each other are evaluated in the order they are first reached: either order is node's.
 */
export function lateModules(root, files) {
  const importsOf = new Map();
  const imports = (m) => {
    let found = importsOf.get(m);
    if (!found) {
      const text = fs.readFileSync(path.join(root, m), "utf8");
      importsOf.set(m, (found = [...text.matchAll(/^import\s+(?:[^;]*?\s+from\s+)?"(\.[^"]+)"/gm)].map(([, spec]) => path.posix.join(path.posix.dirname(m), spec))));
    }
    return found;
  };
  const reaches = (from, to) => {
    const seen = new Set();
    const todo = [from];
    while (todo.length > 0) {
      const m = todo.pop();
      if (m === to) return true;
      if (seen.has(m)) continue;
      seen.add(m);
      for (const i of imports(m)) todo.push(i);
    }
    return false;
  };
  const late = [];
  for (const { name, text } of files) {
    // esbuild may lay a few of a module's declarations out ahead of it, each part under the
    // module's name: the last is where its top level runs.
    const at = new Map();
    for (const [i, m] of [...text.matchAll(MODULE)].entries()) at.set(m[1], i);
    for (const [m, i] of at) {
      for (const imported of imports(m)) {
        if ((at.get(imported) ?? -1) > i && !reaches(imported, m)) late.push(`${name}: ${m} comes before ${imported}, which it imports`);
      }
    }
  }
  return late;
}

/** How many modules `text` lays out, by their names. */
export const modulesLaidOut = (text) => new Set([...text.matchAll(MODULE)].map((m) => m[1])).size;
