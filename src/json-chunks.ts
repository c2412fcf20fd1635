// JSON text in pieces, for documents that may not fit in one string: V8's longest string is
// 2^29 - 24 characters (512 MiB), and `pipe plan --json` of a plan at the task limit comes
// near it (a chain of 500,000 tasks is 383 MB). The pieces joined are the text
// `JSON.stringify(value, null, indent)` gives for plain data (no `toJSON`).

import fs from "node:fs";

/**
 * Below V8's largest object in the young generation (128 KiB; larger ones go straight to the
 * old one, and live there until a full collection): the text made and dropped piece by piece
 * is collected as it goes. Half a million tasks in pieces of 4 MiB left 1.3 GB of dead text.
 */
const CHUNK = 1 << 15;
/** Members of an array written by one JSON.stringify, at most. */
const MAX_BATCH = 1024;

/**
 * Yields the JSON text of `value` (`indent` at least 1) in pieces of about 32 KiB. Objects and
 * arrays are written member by member down to `depth` levels (a plan's tasks are at the
 * second), and what is below by JSON.stringify: the members of an array there in batches,
 * each stringified inside as many arrays as it is deep, so that its lines come out indented
 * to their place with no pass over the text (a batch grows while its text is short, and
 * shrinks when it is long).
 */
export function* jsonChunks(value: unknown, indent = 1, depth = 2): Generator<string> {
  let buffer = "";
  // A stack of the containers being written, not recursion: `depth` bounds it, not the input.
  type Open = { readonly close: string; readonly level: number; readonly array: readonly unknown[] | undefined; readonly entries: [string, unknown][] | undefined; next: number };
  const stack: Open[] = [];
  const pad = (level: number) => " ".repeat(level * indent);
  // The text of `v` at `level`: stringified as the only member of `level` nested arrays, which are cut off.
  const nested = (v: unknown, level: number): string => {
    let wrapped = v;
    let head = 0;
    let tail = 0;
    for (let k = 0; k < level; k++) {
      wrapped = [wrapped];
      head += 2 + (k + 1) * indent;
      tail += 2 + k * indent;
    }
    const text = JSON.stringify(wrapped, null, indent) ?? "null";
    return level ? text.slice(head, text.length - tail) : text;
  };
  const open = (v: unknown, level: number): boolean => {
    if (stack.length >= depth || v === null || typeof v !== "object") return false;
    const array = Array.isArray(v) ? (v as unknown[]) : undefined;
    const entries = array ? undefined : Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== "function" && typeof x !== "symbol");
    if ((array ?? entries!).length === 0) return false;
    buffer += array ? "[" : "{";
    stack.push({ close: array ? "]" : "}", level, array, entries, next: 0 });
    return true;
  };
  const leaf = (v: unknown, level: number) => {
    buffer += nested(v === undefined || typeof v === "function" || typeof v === "symbol" ? null : v, level);
  };
  let batch = 16;
  if (!open(value, 0)) leaf(value, 0);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const length = top.array ? top.array.length : top.entries!.length;
    if (top.next === length) {
      buffer += `\n${pad(top.level)}${top.close}`;
      stack.pop();
      continue;
    }
    if (top.array && stack.length >= depth) {
      // Members that are written whole: a batch of them, as the members of an array at the level of this one.
      const members = top.array.slice(top.next, top.next + batch);
      const text = nested(members, top.level);
      // `[` and the array's closing line off: the members, each on its line after a comma.
      buffer += `${top.next ? "," : ""}${text.slice(1, text.length - 2 - top.level * indent)}`;
      top.next += members.length;
      if (text.length > CHUNK) batch = Math.max(1, batch >> 1);
      else if (text.length < CHUNK >> 2 && batch < MAX_BATCH) batch <<= 1;
    } else {
      const [key, v] = top.array ? [undefined, top.array[top.next]] : top.entries![top.next]!;
      buffer += `${top.next ? "," : ""}\n${pad(top.level + 1)}${key === undefined ? "" : `${JSON.stringify(key)}: `}`;
      top.next++;
      if (!open(v, top.level + 1)) leaf(v, top.level + 1);
    }
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
