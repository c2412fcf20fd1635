// What the store holds of one output of one task, for `pipe find` and `pipe outputs`: its
// path, and its value as every reader takes it: a scalar's text (store/outputs.ts,
// `scalarValue`), a structured output read by store/structured.ts (fields projected when a
// reference names them). A file or directory output is shown by its path only.

import fs from "node:fs";
import { scalarText, type Value } from "../plan/values.js";
import { inStore, outputPath } from "../store/layout.js";
import { scalarValue } from "../store/outputs.js";
import { isStructured, parseType, projectValue, structuredValue, valueToJs } from "../store/structured.js";

export interface FoundOutput {
  readonly name: string;
  readonly type: string;
  readonly path: string;
  /** A scalar's text, or a structured output's value as JSON data, when the entry is in the store. */
  readonly value?: unknown;
  /** The value as `.pipe` writes it (`{acc = 0.9, loss = 0.5}`), when there is one. */
  readonly text?: string;
}

/** Values larger than this are not read back (a scalar is a line; a structured value, a summary). */
const MAX_VALUE_BYTES = 1 << 20;

/** Whether an output of this type is a file or directory in the store, shown by its path. */
export const isPathOutput = (type: string): boolean => type === "File" || type === "Dir";

/** @param stored the file name the output is stored as, when it declares one (store/layout.ts, `storedAs`). */
export function storedOutput(storeDir: string, key: string, name: string, type: string, present = inStore(storeDir, key), stored = name): FoundOutput {
  const file = outputPath(storeDir, key, stored);
  if (!present || isPathOutput(type)) return { name, type, path: file };
  const value = readValue(file, type, []);
  if (value === undefined) return { name, type, path: file };
  return typeof value === "string" ? { name, type, path: file, value, text: value } : { name, type, path: file, value: valueToJs(value), text: valueText(value) };
}

/** An output's value read back (a scalar's text, or a structured value with `fields` projected); undefined when unreadable. */
export function readValue(file: string, type: string, fields: readonly string[]): Value | string | undefined {
  try {
    if (fields.length || isStructured(parseType(type))) return projectValue(structuredValue(file, parseType(type)), fields);
  } catch {
    return undefined;
  }
  const text = readSmall(file);
  return text === undefined ? undefined : scalarValue(text);
}

/** A value read back from the store as `.pipe` writes it: `[0.3, 0.9]`, `{acc = 0.9, loss = 0.5}`, strings quoted inside lists and records. */
export function valueText(v: Value, inside = false): string {
  switch (v.t) {
    case "none":
      return "none";
    case "list":
      return `[${v.items.map((i) => valueText(i, true)).join(", ")}]`;
    case "record":
      return `{${Object.keys(v.fields).sort().map((k) => `${k} = ${valueText(v.fields[k]!, true)}`).join(", ")}}`;
    case "str":
    case "path":
      return inside ? JSON.stringify(scalarText(v)) : scalarText(v);
    default:
      return scalarText(v);
  }
}

function readSmall(file: string): string | undefined {
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile() || stat.size > MAX_VALUE_BYTES) return undefined;
      return fs.readFileSync(fd, "utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
