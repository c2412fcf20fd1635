// Structured outputs: a `List` or a record of scalars (nested, optionals inside), which a
// command writes as JSON, and `List[File]`/`List[Dir]`, a directory the command fills. This
// module is the one implementation of what such an output may hold, of the message when it
// does not (the JSON path of the first bad value: `metrics.acc: expected Float, got
// "high"`), and of its value read back. The local backend calls it in-process; the
// self-contained task script calls it through `output-tool.js` (node), so both say the same.
//
// The JSON reader is written here rather than taken from JSON.parse: a `Float` may be
// `NaN`, `Infinity` or `-Infinity` as Python's `json.dumps` writes them, which JSON.parse
// refuses, and an `Int` must be written as an integer (`1`, not `1.0`), which JSON.parse
// cannot tell apart. JSON5 accepts these but also comments, single quotes and trailing
// commas, which would let a broken writer through.

import fs from "node:fs";
import path from "node:path";
import { type Type, Bool, DirT, FileT, Float, Int, listOf, optionalOf, recordOf, show, Str, type RecordField } from "../check/types.js";
import { scalarText, type Value } from "../plan/values.js";
import { shellQuote } from "../shell/quote.js";

/** Is `type` stored as JSON (a list or a record of scalars), rather than as text or a path? */
export function isJsonType(type: Type): boolean {
  return type.kind === "Record" || (type.kind === "List" && !isPathList(type));
}

/** `List[File]` and `List[Dir]`: a directory of entries. */
export function isPathList(type: Type): boolean {
  return type.kind === "List" && (type.element.kind === "File" || type.element.kind === "Dir");
}

/** A structured output: stored as JSON, or as a directory of entries. */
export const isStructured = (type: Type): boolean => isJsonType(type) || isPathList(type);

// ---------------------------------------------------------------------------------------
// Types as the plan spells them (check/types.ts `show`), read back.

/** The type that `show` printed as `text`; throws on text `show` cannot print. */
export function parseType(text: string): Type {
  let known = parsed.get(text);
  if (!known) parsed.set(text, (known = parseTypeText(text)));
  return known;
}

const parsed = new Map<string, Type>();

function parseTypeText(text: string): Type {
  let at = 0;
  const fail = (): never => {
    throw new Error(`not a type: ${text}`);
  };
  const name = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at));
    if (!m) fail();
    at += m![0].length;
    return m![0];
  };
  const expect = (s: string): void => {
    if (!text.startsWith(s, at)) fail();
    at += s.length;
  };
  const type = (): Type => {
    let t: Type;
    if (text[at] === "{") {
      at++;
      const fields: RecordField[] = [];
      while (text[at] !== "}") {
        if (fields.length > 0) expect(", ");
        const field = name();
        expect(": ");
        fields.push({ name: field, type: type() });
      }
      at++;
      t = recordOf(fields);
    } else {
      const n = name();
      if (n === "List") {
        expect("[");
        t = listOf(type());
        expect("]");
      } else {
        const scalar = SCALARS[n];
        if (!scalar) fail();
        t = scalar!;
      }
    }
    while (text[at] === "?") {
      at++;
      t = optionalOf(t);
    }
    return t;
  };
  const t = type();
  if (at !== text.length) fail();
  return t;
}

const SCALARS: Readonly<Record<string, Type>> = { Int, Float, Bool, String: Str, File: FileT, Dir: DirT };

// ---------------------------------------------------------------------------------------
// JSON with Python's non-finite floats.

type Json =
  | { readonly t: "null" | "true" | "false"; readonly at: number; readonly end: number }
  | { readonly t: "num"; readonly v: number; readonly int: boolean; readonly at: number; readonly end: number }
  | { readonly t: "str"; readonly v: string; readonly at: number; readonly end: number }
  | { readonly t: "arr"; readonly items: Json[]; readonly at: number; end: number }
  | { readonly t: "obj"; readonly fields: Map<string, Json>; readonly at: number; end: number };

class JsonError extends Error {}

/** Deeper than any type a program can declare usefully, and far from the stack's limit. */
const MAX_DEPTH = 1000;

function parseJson(text: string): Json {
  let at = 0;
  const where = (i: number): string => {
    const before = text.slice(0, i);
    const line = before.split("\n").length;
    return `line ${line}, column ${i - before.lastIndexOf("\n")}`;
  };
  const fail = (what: string, i = at): never => {
    throw new JsonError(`${what} at ${where(i)}`);
  };
  const ws = (): void => {
    while (at < text.length && (text[at] === " " || text[at] === "\n" || text[at] === "\t" || text[at] === "\r")) at++;
  };
  const unexpected = (): never => (at >= text.length ? fail("unexpected end of the text") : fail(`unexpected ${JSON.stringify(text[at])}`));
  const word = (w: string): boolean => {
    if (!text.startsWith(w, at)) return false;
    at += w.length;
    return true;
  };
  const string = (): string => {
    const start = at++;
    let out = "";
    for (;;) {
      if (at >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        at++;
        return out;
      }
      if (c < 0x20) fail("a control character in a string");
      if (c !== 0x5c) {
        const next = text.indexOf('"', at);
        const slash = text.indexOf("\\", at);
        let stop = next < 0 ? text.length : next;
        if (slash >= 0 && slash < stop) stop = slash;
        const chunk = text.slice(at, stop);
        // eslint-disable-next-line no-control-regex
        const ctrl = /[\u0000-\u001f]/.exec(chunk);
        if (ctrl) fail("a control character in a string", at + ctrl.index);
        out += chunk;
        at = stop;
        continue;
      }
      const e = text[at + 1];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        at += 2;
      } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
        out += String.fromCharCode(parseInt(text.slice(at + 2, at + 6), 16));
        at += 6;
      } else fail("a bad escape in a string");
    }
  };
  const value = (depth: number): Json => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    ws();
    const start = at;
    const c = text[at];
    if (c === "{") {
      at++;
      const fields = new Map<string, Json>();
      const node: Json = { t: "obj", fields, at: start, end: 0 };
      ws();
      if (text[at] === "}") at++;
      else {
        for (;;) {
          ws();
          if (text[at] !== '"') unexpected();
          const keyAt = at;
          const key = string();
          if (fields.has(key)) fail(`field ${JSON.stringify(key)} given twice`, keyAt);
          ws();
          if (text[at] !== ":") unexpected();
          at++;
          fields.set(key, value(depth + 1));
          ws();
          if (text[at] === ",") at++;
          else if (text[at] === "}") {
            at++;
            break;
          } else unexpected();
        }
      }
      node.end = at;
      return node;
    }
    if (c === "[") {
      at++;
      const items: Json[] = [];
      const node: Json = { t: "arr", items, at: start, end: 0 };
      ws();
      if (text[at] === "]") at++;
      else {
        for (;;) {
          items.push(value(depth + 1));
          ws();
          if (text[at] === ",") at++;
          else if (text[at] === "]") {
            at++;
            break;
          } else unexpected();
        }
      }
      node.end = at;
      return node;
    }
    if (c === '"') {
      const v = string();
      return { t: "str", v, at: start, end: at };
    }
    if (word("true")) return { t: "true", at: start, end: at };
    if (word("false")) return { t: "false", at: start, end: at };
    if (word("null")) return { t: "null", at: start, end: at };
    if (word("NaN")) return { t: "num", v: NaN, int: false, at: start, end: at };
    if (word("Infinity")) return { t: "num", v: Infinity, int: false, at: start, end: at };
    if (word("-Infinity")) return { t: "num", v: -Infinity, int: false, at: start, end: at };
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(at, at + 400));
    if (!m || m[0] === "-") return unexpected();
    at += m[0].length;
    return { t: "num", v: Number(m[0]), int: m[2] === undefined && m[3] === undefined, at: start, end: at };
  };
  const v = value(0);
  ws();
  if (at < text.length) unexpected();
  return v;
}

// ---------------------------------------------------------------------------------------
// Checking and reading back.

/** A value that does not fit its type: the message names the JSON path from the output. */
class Mismatch extends Error {}

/** The parsed text checked against `type`, converted to a value; throws Mismatch or JsonError. */
function toValue(text: string, type: Type, name: string): Value {
  const root = parseJson(text);
  const got = (j: Json): string => {
    const s = text.slice(j.at, j.end).replace(/\s+/g, " ");
    return s.length > 60 ? `${s.slice(0, 59)}…` : s;
  };
  const convert = (j: Json, t: Type, where: string): Value => {
    const bad = (): never => {
      throw new Mismatch(`${where}: expected ${show(t)}, got ${got(j)}`);
    };
    switch (t.kind) {
      case "Optional":
        return j.t === "null" ? { t: "none" } : convert(j, t.inner, where);
      case "Int":
        if (j.t !== "num" || !j.int) return bad();
        if (!Number.isSafeInteger(j.v)) throw new Mismatch(`${where}: ${got(j)} is out of the range of an Int`);
        return { t: "int", v: j.v };
      case "Float":
        return j.t === "num" ? { t: "float", v: j.v } : bad();
      case "Bool":
        return j.t === "true" || j.t === "false" ? { t: "bool", v: j.t === "true" } : bad();
      case "String":
        return j.t === "str" ? { t: "str", v: j.v } : bad();
      case "List":
        if (j.t !== "arr") return bad();
        return { t: "list", items: j.items.map((item, i) => convert(item, t.element, `${where}[${i}]`)) };
      case "Record": {
        if (j.t !== "obj") return bad();
        for (const key of j.fields.keys()) {
          if (!t.fields.some((f) => f.name === key)) throw new Mismatch(`${where}: unexpected field ${JSON.stringify(key)} (expected ${show(t)})`);
        }
        const fields: Record<string, Value> = {};
        for (const f of t.fields) {
          const item = j.fields.get(f.name);
          if (item === undefined) {
            if (f.type.kind === "Optional") fields[f.name] = { t: "none" };
            else throw new Mismatch(`${where}: missing field "${f.name}" (expected ${show(t)})`);
          } else fields[f.name] = convert(item, f.type, `${where}.${f.name}`);
        }
        return { t: "record", fields };
      }
      default:
        throw new Mismatch(`${where}: a ${show(t)} cannot be stored as JSON`);
    }
  };
  return convert(root, type, name);
}

/**
 * What is wrong with the stored text of JSON output `name` of type `type`, or undefined
 * when it fits: the first bad value in document order, by its JSON path.
 */
export function jsonOutputProblem(text: string, type: Type, name: string): string | undefined {
  try {
    toValue(text, type, name);
    return undefined;
  } catch (error) {
    if (error instanceof Mismatch) return `output ${error.message}`;
    if (error instanceof JsonError) return `output ${name} is not valid JSON: ${error.message}`;
    throw error;
  }
}

/** Entry names as the listing orders them: by their bytes (UTF-8), as `LC_ALL=C ls` does. */
function byName(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The entries of a `List[File]`/`List[Dir]` output's directory, in name order; throws on an entry of the wrong kind. */
function listEntries(dir: string, type: Type & { kind: "List" }, name: string): string[] {
  const wantDir = type.element.kind === "Dir";
  const names = fs.readdirSync(dir).sort(byName);
  for (const entry of names) {
    const stat = fs.statSync(path.join(dir, entry), { throwIfNoEntry: false });
    const ok = stat && (wantDir ? stat.isDirectory() : stat.isFile());
    if (!ok) {
      const what = !stat ? "a broken link" : stat.isDirectory() ? "a directory" : stat.isFile() ? "a file" : "neither a file nor a directory";
      throw new Mismatch(`${name}: entry ${JSON.stringify(entry)} is ${what}, not ${wantDir ? "a directory" : "a file"} (the output is a ${show(type)})`);
    }
  }
  return names;
}

/**
 * What is wrong with structured output `name` at `file` (its path in a work directory or
 * an entry), or undefined when it is valid. The file or directory is known to exist.
 */
export function structuredOutputProblem(file: string, type: Type, name: string): string | undefined {
  if (isPathList(type)) {
    try {
      listEntries(file, type as Type & { kind: "List" }, name);
      return undefined;
    } catch (error) {
      if (error instanceof Mismatch) return `output ${error.message}`;
      return `output ${name} cannot be listed: ${(error as Error).message}`;
    }
  }
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return `output ${name} cannot be read: ${(error as Error).message}`;
  }
  return jsonOutputProblem(text, type, name);
}

/**
 * The value of a stored structured output at `file` (a JSON file, or the directory of a
 * `List[File]`/`List[Dir]`), as every reader takes it: a command's arguments, a TypeScript
 * action's, `pipe run`'s printed outputs. Listed entries are absolute paths. Throws when the
 * output is not valid (it was checked when it was stored).
 */
export function structuredValue(file: string, type: Type): Value {
  if (isPathList(type)) {
    const t = type as Type & { kind: "List" };
    const dir = t.element.kind === "Dir";
    const full = path.resolve(file);
    return { t: "list", items: listEntries(full, t, "output").map((e) => ({ t: "path", path: path.join(full, e), dir })) };
  }
  try {
    return toValue(fs.readFileSync(file, "utf8"), type, "output");
  } catch (error) {
    if (error instanceof Mismatch || error instanceof JsonError) throw new Error(`${file}: ${error.message}`);
    throw error;
  }
}

/** The value at `fields` inside `value`: a field of a record, or that field of each element of a list. */
export function projectValue(value: Value, fields: readonly string[]): Value {
  let v = value;
  for (const name of fields) v = fieldOf(v, name);
  return v;
}

function fieldOf(v: Value, name: string): Value {
  if (v.t === "record") return v.fields[name] ?? { t: "none" };
  if (v.t === "list") return { t: "list", items: v.items.map((i) => fieldOf(i, name)) };
  return { t: "none" };
}

/** The type at `fields` inside `type`, as `projectValue` walks it. */
export function projectType(type: Type, fields: readonly string[]): Type {
  let t = type;
  for (const name of fields) t = fieldType(t, name);
  return t;
}

function fieldType(t: Type, name: string): Type {
  if (t.kind === "Record") return t.fields.find((f) => f.name === name)?.type ?? t;
  if (t.kind === "List") return listOf(fieldType(t.element, name));
  return t;
}

/** A value as plain JSON-able data, for a TypeScript action's arguments: files and dirs as paths, `none` as undefined. */
export function valueToJs(v: Value): unknown {
  switch (v.t) {
    case "int":
    case "float":
    case "bool":
    case "str":
      return v.v;
    case "none":
      return undefined;
    case "path":
      return v.path;
    case "list":
      return v.items.map(valueToJs);
    case "record":
      return Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, valueToJs(f)]));
    case "ref":
      return undefined;
  }
}

/** JSON text of a JavaScript value with non-finite numbers as Python writes them (`NaN`, `Infinity`). */
export function pythonJson(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : value === Infinity ? "Infinity" : value === -Infinity ? "-Infinity" : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(", ")}}`;
  }
  return value === undefined ? "null" : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------
// The forms the task scripts take them in (plan/script.ts), for both backends.

/** An output of an action as the checks name it: its name, its file in the entry, its type as the plan spells it. */
export interface OutputCheck {
  readonly name: string;
  readonly file: string;
  readonly type: string;
}

/** The first problem of the structured outputs among `outputs` in work directory `dir`, in declaration order. */
export function structuredOutputsProblem(dir: string, outputs: readonly OutputCheck[]): string | undefined {
  for (const o of outputs) {
    const type = parseType(o.type);
    if (!isStructured(type)) continue;
    const problem = structuredOutputProblem(path.join(dir, o.file), type, o.name);
    if (problem) return problem;
  }
  return undefined;
}

/** An upstream structured value a task's command reads: into variable `var`, from `file`, a stored output of type `type`. */
export interface StructuredInput {
  readonly var: string;
  readonly file: string;
  readonly type: string;
  readonly fields?: readonly string[];
}

/**
 * The bash assignment of an upstream structured value (or a field inside one) to its
 * variable: a scalar as one word, a list of scalars or paths as an array (nones dropped),
 * an optional as an array of zero or one word, anything else (a record) as its JSON text.
 */
export function inputAssignment(input: StructuredInput): string {
  const whole = parseType(input.type);
  const fields = input.fields ?? [];
  const value = projectValue(structuredValue(input.file, whole), fields);
  const type = projectType(whole, fields);
  const word = (v: Value): string => shellQuote(scalarText(v));
  if (type.kind === "List" && v1(type.element)) return `${input.var}=(${flat(value).map(word).join(" ")})`;
  if (type.kind === "Optional" && v1(type.inner)) return `${input.var}=(${value.t === "none" ? "" : word(value)})`;
  if (v1(type)) return `${input.var}=${word(value)}`;
  return `${input.var}=${shellQuote(pythonJson(valueToJs(value)))}`;
}

/** A type a command word can hold: a scalar, a path, or an optional one. */
function v1(t: Type): boolean {
  return t.kind === "Optional" ? v1(t.inner) : ["Int", "Float", "Bool", "String", "File", "Dir"].includes(t.kind);
}

function flat(v: Value): Value[] {
  return v.t === "list" ? v.items.filter((i) => i.t !== "none") : v.t === "none" ? [] : [v];
}
