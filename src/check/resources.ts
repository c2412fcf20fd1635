// Checking a `resources { ... }` block, an action's or a call's: which names exist, what
// each accepts, and the reading of `mem` and `time` into numbers (MiB, seconds) for the
// typed tree, so that no later phase parses them again.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type * as A from "../syntax/ast.js";
import { parseMem, memForms } from "../units/memory.js";
import { readTime, timeForms } from "../units/time.js";
import { checkExpr, Scope } from "./expressions.js";
import type { Resources } from "./typed.js";

export const resourceNames = ["cpus", "gpus", "mem", "time", "partition", "account", "qos", "extra"] as const;
export type ResourceName = (typeof resourceNames)[number];

/** Resources are constants, checked here so that a typo fails `pipe check`, not a submission. */
export function checkResources(record: A.RecordLiteral, dir: string, diagnostics: Diagnostic[]): Resources {
  const out: Record<string, unknown> = {};
  for (const f of record.fields) {
    const name = f.name.name;
    if (!(resourceNames as readonly string[]).includes(name)) {
      diagnostics.push(at(Diag.unknownResource(name), f.name.span, didYouMean(name, resourceNames)));
      continue;
    }
    if (name in out) {
      diagnostics.push(at(Diag.duplicateField(name), f.name.span));
      continue;
    }
    const value = checkExpr(f.value, { scope: new Scope(), dir, diagnostics });
    const v = value.kind === "Literal" ? value.value : undefined;
    const bad = (expected: string) => diagnostics.push(at(Diag.badSettingValue(name, expected), f.value.span));
    switch (name) {
      case "cpus":
      case "gpus":
        if (value.type.kind === "Int" && typeof v === "number" && v >= (name === "cpus" ? 1 : 0)) out[name] = v;
        else bad(name === "cpus" ? "a whole number, 1 or more" : "a whole number, 0 or more");
        break;
      case "mem": {
        const mib = typeof v === "string" ? parseMem(v) : undefined;
        if (mib !== undefined) out[name] = mib;
        else bad(memForms);
        break;
      }
      case "time": {
        const read = typeof v === "string" ? readTime(v) : undefined;
        if (read && "seconds" in read) out[name] = read.seconds;
        else diagnostics.push(at(Diag.badSettingValue(name, timeForms), f.value.span, read ? { hint: read.problem } : {}));
        break;
      }
      case "extra":
        if (typeof v === "string") out[name] = [v];
        else if (value.kind === "List" && value.items.every((i) => i.kind === "Literal" && typeof i.value === "string")) {
          out[name] = value.items.map((i) => (i as { value: string }).value);
        } else bad("a string or a list of strings");
        break;
      default:
        if (typeof v === "string") out[name] = v;
        else bad("a string");
    }
  }
  return out as Resources;
}
