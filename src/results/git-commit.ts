// Where a run came from, for its record: the git commit of the project (read from the
// repository's files) and the parameters that differ from their defaults (run-context.ts
// finds those, at compilation; the plan cache keeps them).

import fs from "node:fs";
import path from "node:path";
import type { PlanValue } from "../plan/plan.js";

export interface RunContext {
  readonly params?: Record<string, PlanValue>;
  readonly commit?: string;
}

export function runContext(projectDir: string, params: Record<string, PlanValue>): RunContext {
  const commit = gitCommit(projectDir);
  return { params, ...(commit ? { commit } : {}) };
}

/**
 * `HEAD`'s commit (12 digits), read from the repository's files rather than by running git,
 * which costs a run's start a process (and, for a dirty check, a walk of the work tree);
 * undefined outside a repository. A worktree's `.git` file and packed refs are followed.
 */
export function gitCommit(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const dotGit = path.join(d, ".git");
    const gitDir = gitDirOf(dotGit);
    if (gitDir) return headCommit(gitDir)?.slice(0, 12);
    if (path.dirname(d) === d) return undefined;
  }
}

function gitDirOf(dotGit: string): string | undefined {
  try {
    const stat = fs.statSync(dotGit);
    if (stat.isDirectory()) return dotGit;
    const m = /^gitdir: (.+)$/m.exec(fs.readFileSync(dotGit, "utf8"));
    return m ? path.resolve(path.dirname(dotGit), m[1]!.trim()) : undefined;
  } catch {
    return undefined;
  }
}

function headCommit(gitDir: string): string | undefined {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, "utf8").trim();
    } catch {
      return undefined;
    }
  };
  const head = read(path.join(gitDir, "HEAD"));
  if (!head) return undefined;
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  // A worktree keeps its HEAD; its refs are the common directory's.
  const common = read(path.join(gitDir, "commondir"));
  const dirs = [gitDir, ...(common ? [path.resolve(gitDir, common)] : [])];
  for (const d of dirs) {
    const loose = read(path.join(d, ref));
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
    const packed = read(path.join(d, "packed-refs"));
    const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
    if (line) return line.split(" ")[0];
  }
  return undefined;
}
