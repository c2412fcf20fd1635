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
import { inStore, outputPath } from "../store/layout.js";
import { isPathList, projectValue, structuredValue } from "../store/structured.js";
import type { ContentHasher } from "./content-hash.js";
import type { Value } from "./values.js";
import { labelText } from "./values.js";

/** A runtime list: `task`'s output `output`, of type `type` (a `List`). */
export interface RuntimeSource {
  readonly task: string;
  readonly output: string;
  /** Fields into a structured output (`for x in t.meta.parts`). */
  readonly fields?: readonly string[];
  readonly type: Type;
}

export const sourceKey = (s: { readonly task: string; readonly output: string; readonly fields?: readonly string[] | undefined }): string => [s.task, s.output, ...(s.fields ?? [])].join("\0");

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
 * The list `source` of the task whose key is `key`, read from the store (its output of type
 * `outputType`, then the source's fields in it), or undefined when that key is not there
 * yet. A list of scalars or records is the output's JSON (store/structured.ts); a
 * `List[File]` or `List[Dir]` the entries of the output's directory in name order, each by
 * its name and content hash.
 */
export async function readRuntimeList(storeDir: string, key: string, source: RuntimeSource, outputType: Type, hasher: ContentHasher): Promise<Value | undefined> {
  if (!inStore(storeDir, key)) return undefined;
  const file = outputPath(storeDir, key, source.output);
  if (!source.fields?.length && isPathList(outputType)) {
    const element = (outputType as Type & { kind: "List" }).element;
    const items: Value[] = [];
    for (const name of fs.readdirSync(file).sort()) {
      const entry = path.join(file, name);
      if (fs.statSync(entry).isDirectory() !== (element.kind === "Dir")) continue;
      items.push({ t: "ref", task: source.task, output: source.output, type: element, item: { name, hash: await hasher.hash(entry) } });
    }
    return { t: "list", items };
  }
  try {
    return projectValue(structuredValue(file, outputType), source.fields ?? []);
  } catch (error) {
    throw new RuntimeListError((error as Error).message);
  }
}
