// Values while a plan is being expanded, and their renderings: as plan JSON, as a canonical
// text for ids, and as the text of a scalar in a command (quoted by shell/quote.ts).

import type { Type } from "../check/types.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type { Label } from "./labels.js";
import type { PlanValue } from "./plan.js";

export type Value =
  | { readonly t: "int"; readonly v: number }
  | { readonly t: "float"; readonly v: number }
  | { readonly t: "bool"; readonly v: boolean }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "none" }
  /**
   * An input path, relative to the project directory (POSIX separators); `span` is where
   * the program wrote it, when it did, for diagnostics about the file; `label` names it in
   * a sweep's ids (a `glob`'s files by their file name).
   */
  | { readonly t: "path"; readonly path: string; readonly dir: boolean; readonly span?: Span; readonly label?: string }
  /** `labels`, when present, are the sweep labels of the items, one for one (labels.ts). */
  | { readonly t: "list"; readonly items: readonly Value[]; readonly labels?: readonly (Label | undefined)[] }
  | { readonly t: "record"; readonly fields: Readonly<Record<string, Value>> }
  /** An output of a task of this plan, known only when that task has run. */
  | {
      readonly t: "ref";
      readonly task: string;
      readonly output: string;
      /** The type of the value: the output's, or the field's for a projection into a structured output. */
      readonly type: Type;
      /** Fields into a structured output (`e.metrics.acc`: `["acc"]`), each of a record or of every element of a list; absent for the whole output. */
      readonly fields?: readonly string[];
      /**
       * One entry of a `List[File]`/`List[Dir]` output read from the store (a dynamic loop's
       * element, plan/dynamic.ts): its name and content hash, what its key covers instead of
       * the upstream key.
       */
      readonly item?: { readonly name: string; readonly hash: string };
      /** The task's place in the tables of the expansion that made this value (plan/expand.ts), where it made it. */
      readonly at?: number;
    }
  /**
   * What a dynamic loop (plan/dynamic.ts) makes before the list it runs over is in the store,
   * and what is made of it: `waits` are the ids of the loops it waits on.
   */
  | { readonly t: "pending"; readonly waits: readonly string[] };

/** Converts a value to a declared type where the language converts implicitly (`Int` → `Float`). */
export function coerce(value: Value, type: Type): Value {
  switch (type.kind) {
    case "Float":
      return value.t === "int" ? { t: "float", v: value.v } : value;
    case "Optional":
      return value.t === "none" ? value : coerce(value, type.inner);
    case "List":
      return value.t === "list" ? { ...value, items: value.items.map((i) => coerce(i, type.element)) } : value;
    case "Record":
      if (value.t !== "record") return value;
      return { t: "record", fields: Object.fromEntries(type.fields.map((f) => [f.name, coerce(value.fields[f.name] ?? { t: "none" }, f.type)])) };
    default:
      return value;
  }
}

export function toPlanValue(value: Value): PlanValue {
  switch (value.t) {
    case "int":
    case "float":
    case "bool":
    case "str":
      return value.v;
    case "none":
      return null;
    case "path":
      return { $path: value.path };
    case "list":
      return value.items.map(toPlanValue);
    case "record":
      return { $record: Object.fromEntries(Object.keys(value.fields).sort().map((k) => [k, toPlanValue(value.fields[k]!)])) };
    case "ref":
      if (value.item) return { $ref: value.task, output: value.output, item: value.item.name, content: value.item.hash };
      return value.fields ? { $ref: value.task, output: value.output, fields: [...value.fields] } : { $ref: value.task, output: value.output };
    case "pending":
      return null;
  }
}

/**
 * Floats as Python's `repr` prints them (`1.0`, `0.001`, `1e-05`, `1e+16`), so that commands
 * and ids read as users expect: the shortest digits that round-trip (as JavaScript's), in
 * positional form for exponents from -4 to 15 and in scientific form with a two-digit
 * exponent outside them.
 */
export function formatFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  const sign = v < 0 || Object.is(v, -0) ? "-" : "";
  const [mantissa, e] = Math.abs(v).toExponential().split("e") as [string, string];
  const exponent = Number(e);
  const digits = mantissa.replace(".", "");
  if (exponent < -4 || exponent >= 16) return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.padEnd(exponent + 1, "0");
  return `${sign}${whole.slice(0, exponent + 1)}.${whole.slice(exponent + 1) || "0"}`;
}

/** The text a scalar stands for in a command or an id. */
export function scalarText(value: Value): string {
  switch (value.t) {
    case "int":
      return String(value.v);
    case "float":
      return formatFloat(value.v);
    case "bool":
      return value.v ? "true" : "false";
    case "str":
      return value.v;
    case "path":
      return value.path;
    default:
      return "";
  }
}

/** A compact, stable label for sweep ids: `0.001`, `{bs=32,lr=0.001}`. */
export function labelText(value: Value): string {
  switch (value.t) {
    case "list":
      return `[${value.items.map(labelText).join(",")}]`;
    case "record":
      return `{${Object.keys(value.fields).sort().map((k) => `${k}=${labelText(value.fields[k]!)}`).join(",")}}`;
    case "none":
      return "none";
    case "ref":
      if (value.item) return value.item.name;
      return [`${value.task}.${value.output}`, ...(value.fields ?? [])].join(".");
    case "pending":
      return "pending";
    case "path":
      return value.label ?? value.path;
    default:
      return scalarText(value);
  }
}

/** A value as a plan records it, read back as the value of its declared type (a plan's `params`). */
export function fromPlanValue(value: PlanValue, type: Type): Value {
  const t = type.kind === "Optional" ? type.inner : type;
  if (value === null) return { t: "none" };
  if (typeof value === "number") return t.kind === "Int" ? { t: "int", v: value } : { t: "float", v: value };
  if (typeof value === "boolean") return { t: "bool", v: value };
  if (typeof value === "string") return { t: "str", v: value };
  if (Array.isArray(value)) return { t: "list", items: value.map((v) => fromPlanValue(v, t.kind === "List" ? t.element : t)) };
  if ("$path" in value) return { t: "path", path: value.$path, dir: t.kind === "Dir" };
  if ("$record" in value) {
    const fields = t.kind === "Record" ? t.fields : [];
    return { t: "record", fields: Object.fromEntries(Object.entries(value.$record).map(([k, v]) => [k, fromPlanValue(v, fields.find((f) => f.name === k)?.type ?? t)])) };
  }
  return { t: "none" };
}
