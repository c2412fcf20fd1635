// Typed argument filters, `--where name=value` of `pipe find`: the value is read as the
// parameter's own type would read it (the expression grammar and the checker, as for `-p`),
// so `lr=1e-3` finds the tasks whose `lr: Float` is 0.001 and `epochs=2` an `Int` 2. A name
// may be declared with different types by different actions: the value must be one of some
// of them, and then selects among the tasks whose parameter has such a type.

import path from "node:path";
import { checkExpr, reportUnlessAssignable, Scope } from "../check/expressions.js";
import type { TypedProgram } from "../check/typed.js";
import { show, type Type } from "../check/types.js";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { relativePosix } from "../host.js";
import { canonicalJson } from "../plan/canonical.js";
import { Expander } from "../plan/expand.js";
import type { Task } from "../plan/plan.js";
import { coerce, toPlanValue } from "../plan/values.js";
import { parseExpression } from "../syntax/index.js";

/** One `--where`: the canonical JSON of the value it asks for, by the type it was read as. */
export interface Filter {
  readonly name: string;
  readonly text: string;
  /** Canonical plan JSON of the value, for each type (`show(type)`) it reads as. */
  readonly wanted: ReadonlyMap<string, string>;
}

export interface FiltersResult {
  readonly filters: Filter[];
  readonly diagnostics: Diagnostic[];
}

/** The declared type of each argument of a task, by name. */
export function paramTypes(program: TypedProgram, task: Task): ReadonlyMap<string, Type> {
  const action = program.actions.get(task.action);
  return new Map((action?.params ?? []).map((p) => [p.name, p.type]));
}

/**
 * Reads `--where` texts against the tasks they select from. A malformed pair, a name no
 * such task has (the names are listed) and a value that is of none of the name's types are
 * diagnostics; `cwd` is where a bare path is relative to.
 */
export function readFilters(program: TypedProgram, tasks: readonly Task[], pairs: readonly string[], cwd: string): FiltersResult {
  const diagnostics: Diagnostic[] = [];
  const filters: Filter[] = [];
  const typesOf = new Map<string, Map<string, Type>>();
  for (const task of tasks) {
    for (const [name, type] of paramTypes(program, task)) {
      if (!(name in task.args)) continue;
      let types = typesOf.get(name);
      if (!types) typesOf.set(name, (types = new Map()));
      types.set(show(type), type);
    }
  }
  const evaluator = new Expander(program);
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      diagnostics.push(at(Diag.badFilter(pair), undefined, { hint: "write `--where lr=0.001` (a parameter's name, `=`, a value of its type)" }));
      continue;
    }
    const name = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    const types = typesOf.get(name);
    if (!types) {
      const names = [...typesOf.keys()].sort();
      const suggestion = didYouMean(name, names);
      const listed = names.length ? `the tasks' arguments are ${names.map((n) => `\`${n}\``).join(", ")}` : "the selected tasks take no arguments";
      diagnostics.push(at(Diag.unknownFilterName(name), undefined, { hint: suggestion.hint ? `${suggestion.hint} (${listed})` : listed }));
      continue;
    }
    const wanted = new Map<string, string>();
    const reasons: string[] = [];
    for (const [shown, type] of types) {
      const value = readValue(program, evaluator, type, name, text, cwd);
      if (typeof value === "string") reasons.push(value);
      else wanted.set(shown, value.json);
    }
    if (wanted.size === 0) {
      const shown = [...types.keys()].join(" | ");
      diagnostics.push(at(Diag.badFilterValue(name, shown, reasons[0] ?? "unreadable"), undefined, { hint: hintFor([...types.values()]) }));
      continue;
    }
    filters.push({ name, text, wanted });
  }
  return { filters, diagnostics };
}

/** Whether a task's arguments satisfy every filter. */
export function matchesFilters(program: TypedProgram, task: Task, filters: readonly Filter[]): boolean {
  if (filters.length === 0) return true;
  const types = paramTypes(program, task);
  return filters.every((f) => {
    const type = types.get(f.name);
    const value = task.args[f.name];
    if (!type || value === undefined) return false;
    const wanted = f.wanted.get(show(type));
    return wanted !== undefined && canonicalJson(value as never) === wanted;
  });
}

/** A filter's text as a value of `type`: its canonical plan JSON, or why it is not one. */
function readValue(program: TypedProgram, evaluator: Expander, type: Type, name: string, text: string, cwd: string): { json: string } | string {
  const target = type.kind === "Optional" ? type.inner : type;
  // A bare word for a string or a path is taken as written, as `-p` takes it.
  if ((target.kind === "String" || target.kind === "File" || target.kind === "Dir") && !text.startsWith('"') && text !== "none") {
    if (target.kind === "String") return { json: canonicalJson(text) };
    return { json: canonicalJson({ $path: relativePosix(program.projectDir, path.resolve(cwd, text)) }) };
  }
  const diagnostics: Diagnostic[] = [];
  const parsed = parseExpression(text, `--where ${name}`);
  if (!parsed.expr || parsed.diagnostics.length) return parsed.diagnostics[0]?.message ?? "not an expression";
  const typed = checkExpr(parsed.expr, { scope: new Scope(), dir: cwd, diagnostics }, type);
  if (diagnostics.length) return diagnostics[0]!.message;
  if (!reportUnlessAssignable(typed, type, diagnostics)) return diagnostics[0]?.message ?? `not a ${show(type)}`;
  try {
    return { json: canonicalJson(toPlanValue(coerce(evaluator.expr(typed, new Map()), type)) as never) };
  } catch (error) {
    return (error as Error).message;
  }
}

function hintFor(types: readonly Type[]): string {
  const examples: Partial<Record<string, string>> = { Int: "2", Float: "0.001 or 1e-3", Bool: "true", String: "adam", File: "data/x.csv", Dir: "data" };
  const shown = types.map((t) => {
    const inner = t.kind === "Optional" ? t.inner : t;
    return examples[inner.kind] ? `${show(t)}: ${examples[inner.kind]}` : `${show(t)}: a .pipe expression`;
  });
  return `for example ${shown.join("; ")}`;
}
