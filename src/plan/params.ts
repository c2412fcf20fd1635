// The values of the entry pipeline's parameters, from what the checker bound them to
// (check/params.ts): a given value as it is, an expression (a default, a `-p` expression)
// evaluated and converted to the parameter's type.

import type { ParamBinding } from "../check/params.js";
import type { TPipeline, TypedProgram } from "../check/typed.js";
import { Expander } from "./expand.js";
import { coerce, type Value } from "./values.js";

export function paramValues(program: TypedProgram, entry: TPipeline, bound: ReadonlyMap<string, ParamBinding>): Map<string, Value> {
  const evaluator = new Expander(program);
  const types = new Map(entry.params.map((p) => [p.name, p.type]));
  const values = new Map<string, Value>();
  for (const [name, binding] of bound) {
    values.set(name, binding.kind === "Given" ? binding.value : coerce(evaluator.expr(binding.expr, new Map()), types.get(name)!));
  }
  return values;
}
