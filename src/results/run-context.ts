// What a run's record says of where it came from, for `pipe history`: the entry's parameters
// that differ from their defaults (a parameter without a default always does), and the git
// commit of the project, if it is in a git repository (git-commit.ts, which a run loads alone:
// this module loads the evaluator, for the parameters' defaults).

import type { TypedProgram } from "../check/typed.js";
import { canonicalJson } from "../plan/canonical.js";
import { Expander } from "../plan/expand.js";
import type { Plan, PlanValue } from "../plan/plan.js";
import { coerce, toPlanValue } from "../plan/values.js";

/** `given` names the parameters given a value (on the command line or in a file): any other has its default. */
export function changedParams(program: TypedProgram, plan: Plan, given: ReadonlySet<string>): Record<string, PlanValue> {
  const id = program.entryPipelines.get(plan.entry);
  const entry = id ? program.pipelines.get(id) : undefined;
  if (!entry) return {};
  const evaluator = new Expander(program);
  const changed: Record<string, PlanValue> = {};
  for (const p of entry.params) {
    const value = plan.params[p.name];
    // A default is not evaluated again, or compared, for what took it.
    if (value === undefined || !given.has(p.name)) continue;
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
