// Reading a plan document given to `pipe diff`: the output of `pipe plan --plan-only`, or of
// `pipe plan --json` (whose `plan` field is the document). Validated with the plan's schema.

import { PlanSchema, type Plan } from "../plan/plan.js";

export type ReadPlan = { readonly plan: Plan } | { readonly error: string };

export function readPlanJson(text: string): ReadPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (data && typeof data === "object" && !("format" in data) && "plan" in data) data = (data as { plan: unknown }).plan;
  const parsed = PlanSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `not a plan (${issue.path.length ? `at ${issue.path.join(".")}: ` : ""}${issue.message})` };
  }
  return { plan: parsed.data };
}
