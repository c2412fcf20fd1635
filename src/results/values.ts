// What the store holds of one output of one task, for `pipe find` and `pipe outputs`: its
// path, and for a scalar (or a structured value, JSON) the value as every reader takes it
// (store/outputs.ts, `scalarValue`). A file or directory output is shown by its path only.

import fs from "node:fs";
import { inStore, outputPath, scalarValue } from "../store/index.js";

export interface StoredOutput {
  readonly name: string;
  readonly type: string;
  readonly path: string;
  /** A scalar's text, or a structured output's JSON value, when the entry is in the store. */
  readonly value?: unknown;
}

/** Values larger than this are not read back (a scalar is a line; a structured value, a summary). */
const MAX_VALUE_BYTES = 1 << 20;

/** Whether an output of this type is a file or directory in the store, rather than a value. */
export function isPathOutput(type: string): boolean {
  return /\b(File|Dir)\b/.test(type);
}

export function storedOutput(storeDir: string, key: string, name: string, type: string, present = inStore(storeDir, key)): StoredOutput {
  const file = outputPath(storeDir, key, name);
  if (!present || isPathOutput(type)) return { name, type, path: file };
  const text = readSmall(file);
  if (text === undefined) return { name, type, path: file };
  if (type === "Int" || type === "Float" || type === "Bool" || type === "String") return { name, type, path: file, value: scalarValue(text) };
  try {
    return { name, type, path: file, value: JSON.parse(text) };
  } catch {
    return { name, type, path: file, value: scalarValue(text) };
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
