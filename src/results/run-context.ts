// What a run's record says of where it came from, for `pipe history`: the entry's parameters
// that differ from their defaults (a parameter without a default always does), and the git
// commit of the project, if it is in a git repository.

import fs from "node:fs";
import path from "node:path";
import type { TypedProgram } from "../check/typed.js";
import { canonicalJson } from "../plan/canonical.js";
import { Expander } from "../plan/expand.js";
import type { Plan, PlanValue } from "../plan/plan.js";
import { coerce, toPlanValue } from "../plan/values.js";

export interface RunContext {
  readonly params?: Record<string, PlanValue>;
  readonly commit?: string;
}

export function runContext(projectDir: string, params: Record<string, PlanValue>): RunContext {
  const commit = gitCommit(projectDir);
  return { params, ...(commit ? { commit } : {}) };
}

export function changedParams(program: TypedProgram, plan: Plan): Record<string, PlanValue> {
  const id = program.entryPipelines.get(plan.entry);
  const entry = id ? program.pipelines.get(id) : undefined;
  if (!entry) return {};
  const evaluator = new Expander(program);
  const changed: Record<string, PlanValue> = {};
  for (const p of entry.params) {
    const value = plan.params[p.name];
    if (value === undefined) continue;
    let byDefault: string | undefined;
    try {
      if (p.default) byDefault = canonicalJson(toPlanValue(coerce(evaluator.expr(p.default, new Map()), p.type)) as never);
      else if (p.type.kind === "Optional") byDefault = "null";
    } catch {
      byDefault = undefined;
    }
    if (byDefault !== canonicalJson(value as never)) changed[p.name] = value;
  }
  return changed;
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
