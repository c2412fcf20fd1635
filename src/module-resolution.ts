// How a relative import in a TypeScript action's project modules names a file: the one
// rule shared by the checker (the types it reads, and the files that go into the cache
// key) and the runtime loader (the files the task runs), so that what was checked is what
// runs. Bare specifiers (packages, `node:` modules) are not project files and are left to
// TypeScript and Node. It sits outside check/ and runtime/ because both phases depend on it.
//
// For `./x` relative to the importing file's directory, the first of these that is a file:
//
//   1. `./x.js` → `./x.ts`, `./x.mjs` → `./x.mts` (NodeNext reads a `.js` specifier so)
//   2. `./x` itself (`./x.ts`, `./x.js`, `./data.json` as written)
//   3. `./x.ts`, `./x.mts`, `./x.js`, `./x.mjs` (an extensionless specifier)
//   4. `./x/index.ts`, `./x/index.mts`, `./x/index.js`, `./x/index.mjs` (a directory)
//
// `./x/`, `.` and `..` skip to 4. A `package.json` inside a project directory is not read:
// a directory means its index.

import fs from "node:fs";
import path from "node:path";

export const extensions = [".ts", ".mts", ".js", ".mjs"] as const;

/** Whether `specifier` names a project file (`./x`, `../x`, `.`, `..`) rather than a package. */
export function isRelative(specifier: string): boolean {
  return /^\.\.?(\/|$)/.test(specifier);
}

/** The absolute path `specifier` names from a module in `dir`, or undefined when none exists. */
export function resolveRelative(specifier: string, dir: string): string | undefined {
  if (!isRelative(specifier)) return undefined;
  const base = path.resolve(dir, specifier);
  const twin = /\.m?js$/.test(base) ? [base.replace(/js$/, "ts")] : [];
  // `./x/`, `.` and `..` can only name a directory.
  const asFile = /(^|\/)(\.\.?)?$/.test(specifier) ? [] : [...twin, base, ...extensions.map((e) => base + e)];
  const candidates = [...asFile, ...extensions.map((e) => path.join(base, `index${e}`))];
  return candidates.find(isFile);
}

function isFile(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}
