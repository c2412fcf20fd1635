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

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir never returns for a path under
 * `/proc` (it retries the ENOENT there forever, deaf to signals), and reports ENOENT for a
 * read-only file system; one level at a time, each fails at once with its own error.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !fs.statSync(d).isDirectory()) throw error;
    }
  }
}
