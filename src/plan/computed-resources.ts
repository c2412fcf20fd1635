// Resources given by expressions (`cpus = threads`, `mem = if big then "64G" else "8G"`),
// evaluated for each task and read into plan units by the rule the checker applies to
// constants (check/resources.ts). An amount that is not valid is reported at the call that
// produced it, with the expression it came from; resources never enter the key.

import { resourceAmount, resourceForm } from "../check/resources.js";
import type { Resources, TExpr, TResource } from "../check/typed.js";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { labelText, type Value } from "./values.js";

/** `fixed` with the computed resources laid over it (the same object when there are none). */
export function computeResources(fixed: Resources, computed: readonly TResource[] | undefined, evaluate: (e: TExpr) => Value, call: Span, task: string, report: (d: Diagnostic) => void): Resources {
  if (!computed?.length) return fixed;
  const out: Record<string, unknown> = { ...fixed };
  for (const r of computed) {
    const value = evaluate(r.value);
    if (value.t === "ref") {
      report(at(Diag.knownAtRunTime(`resource \`${r.name}\` of \`${task}\``, value.task), call, { related: [{ message: "computed here", span: r.span }], hint: "resources are decided before any task runs" }));
      continue;
    }
    const plain = value.t === "int" || value.t === "float" || value.t === "str" ? value.v : value.t === "list" && value.items.every((i) => i.t === "str") ? value.items.map((i) => (i as { v: string }).v) : undefined;
    const amount = value.t === "float" ? { ok: false as const } : resourceAmount(r.name, plain);
    if (amount.ok) out[r.name] = amount.value;
    else {
      const shown = value.t === "str" ? JSON.stringify(value.v) : labelText(value);
      report(at(Diag.badResourceAmount(r.name, shown, resourceForm(r.name)), call, { related: [{ message: `\`${r.name}\` of \`${task}\` computed here`, span: r.span }], ...(amount.hint ? { hint: amount.hint } : {}) }));
    }
  }
  return out as Resources;
}
