// JSON text in pieces, for documents that may not fit in one string: V8's longest string is
// 2^29 - 24 characters (512 MiB), and `pipe plan --json` of a plan at the task limit comes
// near it (a chain of 500,000 tasks is 383 MB). The pieces joined are the text
// `JSON.stringify(value, null, indent)` gives for plain data (no `toJSON`).

import fs from "node:fs";

const CHUNK = 1 << 16;

/**
 * An array written element by element as `jsonChunks` reaches it, each made only then by
 * `at(i)`: a document's list derived from another (a state per task) is never all in memory.
 */
export class LazyArray {
  constructor(
    readonly length: number,
    readonly at: (i: number) => unknown,
  ) {}
}

/** A container being written: an array's elements or an object's keys, and the next to write. */
interface Open {
  readonly close: string;
  readonly pad: string;
  readonly value: unknown;
  /** An object's keys; undefined for an array. */
  readonly keys: string[] | undefined;
  readonly length: number;
  next: number;
  /** Members written so far (an object's undefined ones are left out). */
  written: number;
}

/** What JSON.stringify leaves out of an object, and writes as null in an array. */
const omitted = (x: unknown) => x === undefined || typeof x === "function" || typeof x === "symbol";

/** An array longer than this is written element by element at any depth: a plan's list of tasks, a fan-in's dependencies. */
const LONG = 64;

/**
 * Yields the JSON text of `value` (`indent` at least 1) in pieces of about 64 KiB. Objects are
 * written member by member down to `depth` levels, arrays so too and at any depth when they
 * are long, and each member below by one JSON.stringify, its lines indented to its place:
 * a plan's task is one call, not one per field. A `LazyArray` is written as the array of its
 * elements.
 */
export function* jsonChunks(value: unknown, indent = 1, depth = 2): Generator<string> {
  let buffer = "";
  // A stack of the containers being written, not recursion.
  const stack: Open[] = [];
  const elementOf = (top: Open, i: number): unknown => (top.value instanceof LazyArray ? top.value.at(i) : (top.value as unknown[])[i]);
  const open = (v: unknown, pad: string): boolean => {
    if (v instanceof LazyArray) {
      if (stack.length >= depth && v.length <= LONG) v = Array.from({ length: v.length }, (_, i) => (v as LazyArray).at(i));
      else if (v.length === 0) return false;
      else {
        buffer += "[";
        stack.push({ close: "]", pad, value: v, keys: undefined, length: v.length, next: 0, written: 0 });
        return true;
      }
    }
    if (v === null || typeof v !== "object") return false;
    if (Array.isArray(v)) {
      if (v.length === 0 || (stack.length >= depth && v.length <= LONG)) return false;
      buffer += "[";
      stack.push({ close: "]", pad, value: v, keys: undefined, length: v.length, next: 0, written: 0 });
      return true;
    }
    if (stack.length >= depth) return false;
    const keys = Object.keys(v);
    if (!keys.some((k) => !omitted((v as Record<string, unknown>)[k]))) return false;
    buffer += "{";
    stack.push({ close: "}", pad, value: v, keys, length: keys.length, next: 0, written: 0 });
    return true;
  };
  const leaf = (v: unknown, pad: string) => {
    if (v instanceof LazyArray) v = Array.from({ length: v.length }, (_, i) => (v as LazyArray).at(i));
    const text = JSON.stringify(omitted(v) ? null : v, null, indent);
    buffer += pad && text.includes("\n") ? text.replaceAll("\n", `\n${pad}`) : text;
  };
  if (!open(value, "")) leaf(value, "");
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.length) {
      buffer += `\n${top.pad}${top.close}`;
      stack.pop();
      continue;
    }
    const i = top.next++;
    let key: string | undefined;
    let v: unknown;
    if (top.keys) {
      key = top.keys[i]!;
      v = (top.value as Record<string, unknown>)[key];
      if (omitted(v)) continue;
    } else v = elementOf(top, i);
    const pad = top.pad + " ".repeat(indent);
    buffer += `${top.written++ ? "," : ""}\n${pad}${key === undefined ? "" : `${JSON.stringify(key)}: `}`;
    if (!open(v, pad)) leaf(v, pad);
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer) yield buffer;
}

/** Writes `pieces` to `file` one after another, never joined; returns the bytes written. */
export function writePieces(file: string, pieces: Iterable<string | Uint8Array>): number {
  const fd = fs.openSync(file, "w");
  try {
    return writeAll(fd, pieces);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `pieces` to `fd` where it stands; returns the bytes written. */
export function writeAll(fd: number, pieces: Iterable<string | Uint8Array>): number {
  let bytes = 0;
  for (const piece of pieces) bytes += typeof piece === "string" ? fs.writeSync(fd, piece) : fs.writeSync(fd, piece);
  return bytes;
}

/** Writes the JSON text of `value` and a newline to `file`, in pieces. */
export function writeJsonFile(file: string, value: unknown, indent = 1): void {
  writePieces(file, (function* () {
    yield* jsonChunks(value, indent);
    yield "\n";
  })());
}

/** Members of the long array written by one JSON.stringify in `compactChunks`. */
const MEMBERS_AT_ONCE = 4096;

/**
 * Yields JSON.stringify(value)'s text (no indentation, no line break) in pieces, its array
 * member `key` `membersAtOnce` elements at a time: a plan's tasks are never one string.
 * With `lines`, the array's `[`, each batch of members and its `]` end lines of their own
 * (the same JSON, read back a batch at a time by `parseLines`).
 */
export function* compactChunks(value: object, key: string, membersAtOnce = MEMBERS_AT_ONCE, lines = false): Generator<string> {
  const long = (value as Record<string, unknown>)[key] as readonly unknown[];
  const marker = "\u0000long\u0000";
  const [head, tail] = JSON.stringify({ ...value, [key]: marker }).split(JSON.stringify(marker)) as [string, string];
  const nl = lines ? "\n" : "";
  yield `${head}[${nl}`;
  for (let i = 0; i < long.length; i += membersAtOnce) {
    if (i) yield `,${nl}`;
    // One JSON.stringify of the batch, less its brackets (a slice, not a copy): twice as fast
    // as one per member joined.
    yield JSON.stringify(long.slice(i, i + membersAtOnce)).slice(1, -1);
  }
  yield `${nl}]${tail}`;
}

/**
 * Parses what `compactChunks(value, key, n, true)` wrote, given as its lines: the value with
 * its array `key` filled a batch at a time, so that no text longer than a batch is made, each
 * member as `each` returns it.
 */
export function parseLines(lines: Iterable<string>, key: string, each: (member: unknown) => unknown = (m) => m): unknown {
  let head: string | undefined;
  const long: unknown[] = [];
  for (const line of lines) {
    if (head === undefined) head = line;
    else if (line.startsWith("]")) {
      const value = JSON.parse(`${head}${line}`) as Record<string, unknown>;
      if (!Array.isArray(value[key])) throw new Error(`no array ${key}`);
      value[key] = long;
      return value;
    } else if (line) for (const member of JSON.parse(`[${line.endsWith(",") ? line.slice(0, -1) : line}]`) as unknown[]) long.push(each(member));
  }
  throw new Error("the text ends before its array does");
}
