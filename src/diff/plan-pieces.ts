// Parsing a plan file in pieces, as it is read: the list of tasks a few megabytes at a time,
// the rest of the document around it apart. Both plans of `pipe diff` are in memory at once;
// a 500,000-task plan is some 220 MB of text, and with the text of each file whole (one
// string, kept until the garbage collector's next full pass) the diff of two such plans
// needs 1.4 GB. In pieces, no text outlives the piece it is parsed from.
//
// The pieces are found by the layout that `pipe plan` writes (JSON.stringify with an
// indentation of one space, as Python's `json.dumps(indent=1)` writes too): the line that
// opens the `"tasks"` list, the lines that close one task and open the next, and the line
// that closes the list. JSON strings hold no raw line break, so these can only be layout;
// should a document be laid out otherwise, a piece fails to parse (each must be whole JSON)
// or the list is not where the plan's tasks are, and the caller parses the document whole.

import fs from "node:fs";

/** Bytes read at a time; a piece of tasks is at most about this long (or one task, if longer). */
const WINDOW = 4 << 20;
/** Stands for the list of tasks in the rest of the document. */
const SENTINEL = "\u0000pipe: the tasks, parsed in pieces\u0000";

/**
 * The document in `fd`, parsed, when it has the layout of a written plan; undefined for any
 * other (read it whole then). Reads from the start of the file.
 */
export function parsePlanInPieces(fd: number): unknown {
  const reader = new Reader(fd);
  const open = reader.find(/\n( *)"tasks": \[\n/g);
  if (!open) return undefined;
  const indent = open.groups;
  const inner = " ".repeat(indent.length + 1);
  const next = Buffer.from(`\n${inner}},\n${inner}{`);
  const close = Buffer.from(`\n${inner}}\n${indent}]`);
  const tasks: unknown[] = [];
  // From the list's `[`: each piece is parsed from the byte before its first task, set to `[`,
  // to the byte after its last, set to `]` (a comma or the line break before the closing `]`).
  let from = open.end - 2;
  const before = reader.text(from);
  for (;;) {
    const window = reader.window();
    const end = window.indexOf(close, from + 1);
    const last = end >= 0 ? end : window.length;
    let cut = window.lastIndexOf(next, last - next.length);
    if (cut <= from) cut = -1;
    if (end >= 0 && (cut < 0 || cut < end)) {
      // The rest of the list, in one piece when it fits in the window.
      if (!pushPiece(tasks, window, from, end + inner.length + 3)) return undefined;
      reader.drop(end + close.length);
      break;
    }
    if (cut >= 0) {
      if (!pushPiece(tasks, window, from, cut + inner.length + 3)) return undefined;
      from = reader.drop(cut + inner.length + 2);
      continue;
    }
    from = reader.drop(from);
    if (!reader.more()) return undefined;
  }
  const after = reader.rest();
  let document: unknown;
  try {
    document = JSON.parse(`${before}${JSON.stringify(SENTINEL)}${after}`);
  } catch {
    return undefined;
  }
  // The list found must be the plan's own (a plan on its own, or the `plan` of `pipe plan --json`).
  const plan = isObject(document) && !("format" in document) && isObject(document["plan"]) ? document["plan"] : document;
  if (!isObject(plan) || plan["tasks"] !== SENTINEL) return undefined;
  plan["tasks"] = tasks;
  return document;
}

/** Parses `window[start, end)` with `[` and `]` written over its first and last bytes, and appends its elements. */
function pushPiece(into: unknown[], window: Buffer, start: number, end: number): boolean {
  window[start] = 0x5b;
  window[end - 1] = 0x5d;
  let piece: unknown;
  try {
    piece = JSON.parse(window.toString("utf8", start, end));
  } catch {
    return false;
  }
  if (!Array.isArray(piece)) return false;
  for (let i = 0; i < piece.length; i++) into.push(piece[i]);
  return true;
}

/** A window on the file: the bytes read and not yet dropped. Reads by position, leaving the file's offset alone. */
class Reader {
  private buffer = Buffer.allocUnsafe(WINDOW);
  private length = 0;
  /** Where in the file the next read starts. */
  private position = 0;
  private done = false;

  constructor(private readonly fd: number) {
    this.more();
  }

  window(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** Reads more of the file into the window (growing it when full); false at the end. */
  more(): boolean {
    if (this.done) return false;
    if (this.length === this.buffer.length) {
      const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, 0, this.length);
      this.buffer = bigger;
    }
    const got = fs.readSync(this.fd, this.buffer, this.length, this.buffer.length - this.length, this.position);
    this.position += got;
    this.length += got;
    if (got === 0) this.done = true;
    return got > 0;
  }

  /** The first match of `pattern` (its group too) in the window as first read. */
  find(pattern: RegExp): { end: number; groups: string } | undefined {
    const m = pattern.exec(this.buffer.toString("latin1", 0, this.length));
    return m ? { end: m.index + m[0].length, groups: m[1]! } : undefined;
  }

  /** The text of the window before `end`. */
  text(end: number): string {
    return this.buffer.toString("utf8", 0, end);
  }

  /** Drops the bytes before `keep`; gives where `keep` is now (0). */
  drop(keep: number): number {
    this.buffer.copy(this.buffer, 0, keep, this.length);
    this.length -= keep;
    return 0;
  }

  /** The text of the window and of the rest of the file. */
  rest(): string {
    while (this.more());
    return this.buffer.toString("utf8", 0, this.length);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
