// Dynamic fan-out: a `for` over a `List` output of an upstream task (`for p in s.parts`).
// The compiler plans such a loop only once that list is in the store: until then the loop,
// and every call that receives what it makes, is a pending part of the plan (plan.ts,
// `Pending`). Once the upstream task has run, compiling again reads the list back from the
// store (`readRuntimeList`) and the loop expands like any sweep, each element a value of its
// own: a scalar or a record literally, a `List[File]`/`List[Dir]` entry by its name and
// content. So an element's key is its value's, never its position's, and an upstream rerun
// that yields the same list changes no key below it. `compile` (index.ts) repeats expansion
// until no list it waits on is in the store; the backends compile again when a task whose
// list a loop waits on ends.

import fs from "node:fs";
import path from "node:path";
import type { Type } from "../check/types.js";
import { show } from "../check/types.js";
import { outputPath } from "../store/index.js";
import type { ContentHasher } from "./content-hash.js";
import type { Value } from "./values.js";
import { labelText } from "./values.js";

/** A runtime list: `task`'s output `output`, of type `type` (a `List`). */
export interface RuntimeSource {
  readonly task: string;
  readonly output: string;
  readonly type: Type;
}

export const sourceKey = (task: string, output: string): string => `${task}\0${output}`;

/** The loops a value waits on, when any part of it is pending; undefined when none is. */
export function pendingWaits(values: Iterable<Value>): string[] | undefined {
  let waits: Set<string> | undefined;
  const visit = (v: Value): void => {
    if (v.t === "pending") for (const w of v.waits) (waits ??= new Set()).add(w);
    else if (v.t === "list") v.items.forEach(visit);
    else if (v.t === "record") Object.values(v.fields).forEach(visit);
  };
  for (const v of values) visit(v);
  return waits && [...waits].sort();
}

/** Longest element value that labels its task by value; longer ones (and lists, records) by position. */
const LABEL_MAX = 40;

/** How an element of a runtime list labels its task: a short scalar by value, a file by its name, else by position. */
export function elementLabel(value: Value, index: number): string {
  if (value.t === "ref" && value.item) return value.item.name;
  if (value.t === "int" || value.t === "float" || value.t === "bool" || (value.t === "str" && value.v !== "")) {
    const text = labelText(value);
    if (text.length <= LABEL_MAX && !/[[\],=/#]/.test(text)) return text;
  }
  return `#${index}`;
}

/** Why a stored list cannot be read back as its type (the task's output checks should have refused it). */
export class RuntimeListError extends Error {}

/**
 * The list `source` of the task whose key is `key`, read from the store, or undefined when
 * that key is not there yet. A list of scalars or records is the output's JSON; a
 * `List[File]` or `List[Dir]` the entries of the output's directory in name order, each by
 * its content hash.
 */
export async function readRuntimeList(storeDir: string, key: string, source: RuntimeSource, hasher: ContentHasher): Promise<Value | undefined> {
  if (!fs.existsSync(path.join(storeDir, key, "meta.json"))) return undefined;
  const file = outputPath(storeDir, key, source.output);
  const element = source.type.kind === "List" ? source.type.element : source.type;
  if (element.kind === "File" || element.kind === "Dir") {
    const names = fs.readdirSync(file).sort();
    const items: Value[] = [];
    for (const name of names) {
      const entry = path.join(file, name);
      const isDir = fs.statSync(entry).isDirectory();
      if (isDir !== (element.kind === "Dir")) continue;
      items.push({ t: "ref", task: source.task, output: source.output, type: element, item: { name, hash: await hasher.hash(entry) } });
    }
    return { t: "list", items };
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new RuntimeListError(`output ${source.output} of ${source.task} is not JSON: ${(error as Error).message}`);
  }
  return fromJson(json, source.type, source.output);
}

/** A stored JSON value as the value of its declared type. */
function fromJson(json: unknown, type: Type, at: string): Value {
  const bad = (): never => {
    throw new RuntimeListError(`${at}: expected ${show(type)}, got ${JSON.stringify(json)?.slice(0, 60)}`);
  };
  switch (type.kind) {
    case "Int":
      return typeof json === "number" && Number.isInteger(json) ? { t: "int", v: json } : bad();
    case "Float":
      if (json === "NaN" || json === "Infinity" || json === "-Infinity") return { t: "float", v: Number(json) };
      return typeof json === "number" ? { t: "float", v: json } : bad();
    case "Bool":
      return typeof json === "boolean" ? { t: "bool", v: json } : bad();
    case "String":
      return typeof json === "string" ? { t: "str", v: json } : bad();
    case "Optional":
      return json === null ? { t: "none" } : fromJson(json, type.inner, at);
    case "List":
      return Array.isArray(json) ? { t: "list", items: json.map((j, i) => fromJson(j, type.element, `${at}[${i}]`)) } : bad();
    case "Record": {
      if (typeof json !== "object" || json === null || Array.isArray(json)) return bad();
      const object = json as Record<string, unknown>;
      return { t: "record", fields: Object.fromEntries(type.fields.map((f) => [f.name, fromJson(object[f.name] ?? null, f.type, `${at}.${f.name}`)])) };
    }
    default:
      return bad();
  }
}
