// What a run's record says of where it came from, for `pipe history`: the entry's parameters
// that differ from their defaults (a parameter without a default always does), and the git
// commit of the project, if it is in a git repository (git-commit.ts, which a run loads alone:
// this module loads the evaluator, for the parameters' defaults).

import type { ParamBinding } from "../check/params.js";
import type { TypedProgram } from "../check/typed.js";
import { canonicalJson } from "../plan/canonical.js";
import { Expander } from "../plan/expand.js";
import type { Plan, PlanValue } from "../plan/plan.js";
import { coerce, toPlanValue } from "../plan/values.js";

/** `bindings` are the entry's parameters as bound (check/params.ts): one bound to its default is not compared with it. */
export function changedParams(program: TypedProgram, plan: Plan, bindings: ReadonlyMap<string, ParamBinding>): Record<string, PlanValue> {
  const id = program.entryPipelines.get(plan.entry);
  const entry = id ? program.pipelines.get(id) : undefined;
  if (!entry) return {};
  const evaluator = new Expander(program);
  const changed: Record<string, PlanValue> = {};
  for (const p of entry.params) {
    const value = plan.params[p.name];
    const bound = bindings.get(p.name);
    // A default is not evaluated again, or compared, for what took it.
    if (value === undefined || (bound?.kind === "Expr" && bound.expr === p.default)) continue;
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
