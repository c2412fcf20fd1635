// Checking a `resources { ... }` block, an action's or a call's: which names exist, what
// each accepts, and the reading of `mem` and `time` into numbers (MiB, seconds) for the
// typed tree, so that no later phase parses them again. A value may be an expression over
// the names in scope (an action's parameters, a pipeline's values): `cpus = threads`,
// `mem = if big then "64G" else "8G"`. Its type is checked here; the amount it comes to is
// checked by the same rule (`resourceAmount`) for each task, when the plan evaluates it.

import { Diag } from "../diagnostics/catalog.js";
import { at } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type * as A from "../syntax/ast.js";
import { parseMem, memForms } from "../units/memory.js";
import { readTime, timeForms } from "../units/time.js";
import { checkExpr, isConstant, type ExprContext } from "./expressions.js";
import type { Resources, TExpr, TResource } from "./typed.js";
import * as Ty from "./types.js";

export const resourceNames = ["cpus", "gpus", "mem", "time", "partition", "account", "qos", "extra"] as const;
export type ResourceName = (typeof resourceNames)[number];

/** What each resource must be, for messages. */
export function resourceForm(name: ResourceName): string {
  switch (name) {
    case "cpus":
      return "a whole number, 1 or more";
    case "gpus":
      return "a whole number, 0 or more";
    case "mem":
      return memForms;
    case "time":
      return timeForms;
    case "extra":
      return "a string or a list of strings";
    default:
      return "a string";
  }
}

/** The type a computed resource must have. */
const typeOf = (name: ResourceName): Ty.Type => (name === "cpus" || name === "gpus" ? Ty.Int : name === "extra" ? Ty.listOf(Ty.Str) : Ty.Str);

/**
 * A resource's amount in plan units, or why the value is none: the one rule for a constant
 * (here) and a computed value (when planned). `value` is a number for an `Int`, a string,
 * or a list of strings for `extra`.
 */
export function resourceAmount(name: ResourceName, value: number | string | readonly string[] | undefined): { ok: true; value: number | string | readonly string[] } | { ok: false; hint?: string } {
  switch (name) {
    case "cpus":
    case "gpus":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= (name === "cpus" ? 1 : 0) ? { ok: true, value } : { ok: false };
    case "mem": {
      const mib = typeof value === "string" ? parseMem(value) : undefined;
      return mib !== undefined ? { ok: true, value: mib } : { ok: false };
    }
    case "time": {
      const read = typeof value === "string" ? readTime(value) : undefined;
      if (read && "seconds" in read) return { ok: true, value: read.seconds };
      return read ? { ok: false, hint: read.problem } : { ok: false };
    }
    case "extra":
      if (typeof value === "string") return { ok: true, value: [value] };
      return Array.isArray(value) ? { ok: true, value } : { ok: false };
    default:
      return typeof value === "string" ? { ok: true, value } : { ok: false };
  }
}

/** Resources are checked here so that a typo fails `pipe check`, not a submission. */
export function checkResources(record: A.RecordLiteral, cx: ExprContext): { resources: Resources; computed: TResource[] } {
  const out: Record<string, unknown> = {};
  const computed: TResource[] = [];
  const seen = new Set<string>();
  for (const f of record.fields) {
    const name = f.name.name;
    if (!(resourceNames as readonly string[]).includes(name)) {
      cx.diagnostics.push(at(Diag.unknownResource(name), f.name.span, didYouMean(name, resourceNames)));
      continue;
    }
    if (seen.has(name)) {
      cx.diagnostics.push(at(Diag.duplicateField(name), f.name.span));
      continue;
    }
    seen.add(name);
    const resource = name as ResourceName;
    const value = checkExpr(f.value, cx);
    const bad = (hint?: string) => cx.diagnostics.push(at(Diag.badSettingValue(name, resourceForm(resource)), f.value.span, hint ? { hint } : {}));
    if (!isConstant(value)) {
      const expected = typeOf(resource);
      const fits = Ty.assignable(value.type, expected) || (resource === "extra" && value.type.kind === "String");
      if (value.type.kind === "Error") continue;
      if (!fits || value.type.kind === "Optional") bad(`this is \`${Ty.show(value.type)}\``);
      else computed.push({ name: resource, value, span: f.span });
      continue;
    }
    const v = constantOf(value);
    if ((resource === "cpus" || resource === "gpus") && value.type.kind !== "Int") {
      bad();
      continue;
    }
    if (value.kind !== "Literal" && value.kind !== "List") {
      // A constant expression (`if true then 2 else 4`): the plan evaluates it like any other.
      computed.push({ name: resource, value, span: f.span });
      continue;
    }
    const amount = resourceAmount(resource, v);
    if (amount.ok) out[name] = amount.value;
    else bad(amount.hint);
  }
  return { resources: out as Resources, computed };
}

function constantOf(value: TExpr): number | string | readonly string[] | undefined {
  if (value.kind === "Literal") return typeof value.value === "number" || typeof value.value === "string" ? value.value : undefined;
  if (value.kind === "List" && value.items.every((i) => i.kind === "Literal" && typeof i.value === "string")) return value.items.map((i) => (i as { value: string }).value);
  return undefined;
}
