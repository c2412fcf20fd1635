// JSON text in pieces, for documents that may not fit in one string: V8's longest string is
// 2^29 - 24 characters (512 MiB), and `pipe plan --json` of a plan at the task limit comes
// near it (a chain of 500,000 tasks is 383 MB). The pieces joined are the text
// `JSON.stringify(value, null, indent)` gives for plain data (no `toJSON`).

import fs from "node:fs";

const CHUNK = 1 << 22;

/**
 * Yields the JSON text of `value` (`indent` at least 1) in pieces of about 4 MiB. Objects and arrays are
 * written member by member down to `depth` levels (a plan's tasks are at the second), and
 * each member below by JSON.stringify, its lines indented to its place.
 */
export function* jsonChunks(value: unknown, indent = 1, depth = 3): Generator<string> {
  let buffer = "";
  // A stack of the containers being written, not recursion: `depth` bounds it, not the input.
  type Open = { readonly close: string; readonly pad: string; readonly entries: [string | undefined, unknown][]; next: number };
  const stack: Open[] = [];
  const open = (v: unknown, pad: string): boolean => {
    if (stack.length >= depth || v === null || typeof v !== "object") return false;
    const entries: [string | undefined, unknown][] = Array.isArray(v)
      ? v.map((x) => [undefined, x])
      : Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== "function" && typeof x !== "symbol");
    if (entries.length === 0) return false;
    buffer += Array.isArray(v) ? "[" : "{";
    stack.push({ close: Array.isArray(v) ? "]" : "}", pad, entries, next: 0 });
    return true;
  };
  const leaf = (v: unknown, pad: string) => {
    const text = JSON.stringify(v === undefined || typeof v === "function" || typeof v === "symbol" ? null : v, null, indent);
    buffer += pad ? text.replaceAll("\n", `\n${pad}`) : text;
  };
  if (!open(value, "")) leaf(value, "");
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.entries.length) {
      buffer += `\n${top.pad}${top.close}`;
      stack.pop();
      continue;
    }
    const [key, v] = top.entries[top.next]!;
    const pad = top.pad + " ".repeat(indent);
    buffer += `${top.next ? "," : ""}\n${pad}${key === undefined ? "" : `${JSON.stringify(key)}: `}`;
    top.next++;
    if (!open(v, pad)) leaf(v, pad);
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer) yield buffer;
}

/** Writes the JSON text of `value` and a newline to `file`, in pieces. */
export function writeJsonFile(file: string, value: unknown, indent = 1): void {
  const fd = fs.openSync(file, "w");
  try {
    for (const piece of jsonChunks(value, indent)) fs.writeSync(fd, piece);
    fs.writeSync(fd, "\n");
  } finally {
    fs.closeSync(fd);
  }
}
