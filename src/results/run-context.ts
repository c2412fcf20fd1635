// What a run's record says of where it came from, for `pipe history`: the entry's parameters
// that differ from their defaults (a parameter without a default always does), and the git
// commit of the project (`+dirty` when tracked files were changed), if it is in a repository.

import { execFileSync } from "node:child_process";
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

/** `HEAD`'s commit (12 digits), with `+dirty` for changes to tracked files; undefined outside git. */
export function gitCommit(dir: string): string | undefined {
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).trim();
  try {
    const head = git("rev-parse", "--short=12", "HEAD");
    const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
    return head + (dirty ? "+dirty" : "");
  } catch {
    return undefined;
  }
}
