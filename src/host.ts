// The outside world as the compiler sees it: files and where the standard library lives.
// Phases take a host instead of importing `node:fs`, so tests can hand them anything.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type PathKind = "file" | "dir";

export interface FileHost {
  readFile(file: string): string | undefined;
  kind(file: string): PathKind | undefined;
}

export const nodeFileHost: FileHost = {
  readFile(file) {
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
  },
  kind(file) {
    try {
      const stat = fs.statSync(file);
      return stat.isDirectory() ? "dir" : stat.isFile() ? "file" : undefined;
    } catch {
      return undefined;
    }
  },
};

/** The package root (works from `src/` under the test runner and from `dist/` when built). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const stdlibDir = path.join(packageRoot, "stdlib");

/** POSIX-style path of `file` relative to `dir`, as written into plans and commands. */
export function relativePosix(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join("/") || ".";
}
