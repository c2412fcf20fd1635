// Checking a `resources { ... }` block, an action's or a call's: which names exist, what
// each accepts, and the reading of `mem` and `time` into numbers (MiB, seconds) for the
// typed tree, so that no later phase parses them again. How retries grow is said here too:
// `mem`/`time` as a list (one value per attempt) and `grow` (a factor for each retry past
// the list: a number for both, or `{mem = 2, time = 1.5}`).

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type * as A from "../syntax/ast.js";
import { parseMem, memForms } from "../units/memory.js";
import { readTime, timeForms } from "../units/time.js";
import { checkExpr, Scope } from "./expressions.js";
import type { Resources, TExpr } from "./typed.js";

export const resourceNames = ["cpus", "gpus", "mem", "time", "grow", "partition", "account", "qos", "extra"] as const;
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
      case "mem":
      case "time": {
        // A list gives one value per attempt; a single value is every attempt's (times `grow`).
        const items = value.kind === "List" && value.items.length > 0 ? value.items : [value];
        const read: number[] = [];
        for (const item of items) {
          const n = name === "mem" ? readMemItem(item, diagnostics) : readTimeItem(item, diagnostics);
          if (n !== undefined) read.push(n);
        }
        if (read.length !== items.length) break;
        out[name] = read[0];
        // Written even when empty: a call's single value replaces an action's list.
        out[name === "mem" ? "memRetries" : "timeRetries"] = read.slice(1);
        break;
      }
      case "grow": {
        const factor = (e: typeof value, what: string): number | undefined => {
          const n = e.kind === "Literal" && typeof e.value === "number" && (e.type.kind === "Int" || e.type.kind === "Float") ? e.value : undefined;
          if (n !== undefined && n >= 1 && n <= 1000) return n;
          diagnostics.push(at(Diag.badSettingValue(what, "a number from 1 to 1000 (each retry multiplies by it)"), e.span));
          return undefined;
        };
        if (value.kind === "Record") {
          const grow: Record<string, number> = {};
          for (const g of value.fields) {
            if (g.name !== "mem" && g.name !== "time") {
              diagnostics.push(at(Diag.unknownResource(`grow.${g.name}`), g.span, didYouMean(g.name, ["mem", "time"])));
              continue;
            }
            const n = factor(g.value, `grow.${g.name}`);
            if (n !== undefined) grow[g.name] = n;
          }
          out[name] = grow;
        } else {
          const n = factor(value, "grow");
          if (n !== undefined) out[name] = { mem: n, time: n };
        }
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

function readMemItem(item: TExpr, diagnostics: Diagnostic[]): number | undefined {
  const v = item.kind === "Literal" ? item.value : undefined;
  const mib = typeof v === "string" ? parseMem(v) : undefined;
  if (mib === undefined) diagnostics.push(at(Diag.badSettingValue("mem", `${memForms}, or a list of them (one per attempt)`), item.span));
  return mib;
}

function readTimeItem(item: TExpr, diagnostics: Diagnostic[]): number | undefined {
  const v = item.kind === "Literal" ? item.value : undefined;
  const read = typeof v === "string" ? readTime(v) : undefined;
  if (read && "seconds" in read) return read.seconds;
  diagnostics.push(at(Diag.badSettingValue("time", `${timeForms}, or a list of them (one per attempt)`), item.span, read ? { hint: read.problem } : {}));
  return undefined;
}
