// Cache keys, computed at compile time, exactly over what determines a task's result:
// the action's normalized definition, the canonical argument values (an external file or
// directory by its content hash and the project-relative path the command receives, since
// a command may use the name; an upstream output by its task's key and output name), the
// content of every `uses` file and of a TypeScript or Python action's sources, and whether the action
// may be cached. Never over resources, retries, mtimes, or the machine (paths are relative
// to the project directory, so moving the project changes no key).

import { KEY_VERSION, sha256 } from "./canonical.js";
import { flat } from "../text.js";
import type { KeyFile } from "./plan.js";
import type { Value } from "./values.js";

export interface KeyParts {
  readonly definitionHash: string;
  readonly args: ReadonlyMap<string, Value>;
  readonly files: readonly KeyFile[];
  readonly cache: boolean;
  /** Key of each upstream task, by id. */
  readonly upstreamKey: (taskId: string) => string;
}

/**
 * The canonical text of a task's arguments, from `"args":{` on, written before everything it
 * covers is known: literal text at even places, and at odd places a hole, either an
 * upstream task's place in the plan (its key goes there) or an input's project-relative
 * path (the JSON of its content hash goes there). A plain string when there is no hole.
 */
export type ArgsText = string | readonly (string | number)[];

/**
 * The key: the SHA-256 of the canonical JSON (canonical.ts) of
 * `{keyVersion, inputs: {args, cache, definition, py, ts, uses}}` (`py` only where there
 * are Python sources, so that the keys of every other action stay what they were), where an
 * argument's value is its scalar, `null` for none, `{content, path}` for an external path,
 * `{record: {...}}`, `{output, upstream}` for an upstream output (`{fields, output,
 * upstream}` for a projection into it), `{content, name}` for an element of a stored list
 * of files, and a list of those. The text is written directly from the values expansion
 * holds (`ArgsWriter`) rather than built as an object for `canonicalJson`: at 100,000 tasks
 * the objects and the generic walk cost four times the hashing. test/plan/keys.test.ts
 * checks that both give the same text.
 */
export function taskKey(parts: KeyParts): string {
  const hashOf = new Map<string, string>();
  for (const f of parts.files) if (f.role === "input") hashOf.set(f.path, f.hash);
  const writer = new ArgsWriter(
    (ref) => parts.upstreamKey(ref.task),
    (p) => hashOf.get(p) ?? "",
  );
  const names = [...parts.args.keys()].sort(byCodeUnits);
  const text = writer.write(names, names.map((n) => JSON.stringify(n)), parts.args) as string;
  return keyOf(text, keyTail(parts.definitionHash, parts.files, parts.cache));
}

/** The canonical text after the arguments: what the keys of one action's tasks share (its `uses`, `ts` and `py` files; any `input` is passed over). */
export function keyTail(definitionHash: string, files: readonly KeyFile[], cache: boolean): string {
  let uses = "";
  let ts = "";
  let py = "";
  for (const f of files) {
    if (f.role === "uses") uses += (uses ? "," : "") + JSON.stringify(f.hash);
    else if (f.role === "ts") ts += (ts ? "," : "") + JSON.stringify(f.hash);
    else if (f.role === "py") py += (py ? "," : "") + JSON.stringify(f.hash);
  }
  // An uncached action's key is still stable; the planner marks its tasks to run every time.
  return `,"cache":${cache},"definition":${JSON.stringify(definitionHash)},${py ? `"py":[${py}],` : ""}"ts":[${ts}],"uses":[${uses}]},"keyVersion":${KEY_VERSION}}`;
}

/** How many hex digits a key has: the first half of a sha256. */
export const KEY_CHARS = 32;

/** The key of a task whose argument text (without holes) and tail are known. */
export function keyOf(args: string, tail: string): string {
  return sha256(`{"inputs":{"args":{${args}}${tail}`).slice(0, KEY_CHARS);
}

/**
 * The argument text with its holes filled: `keyAt` gives an upstream task's key, `hashOf` an
 * input's content hash. The pieces are joined once (a fan-in's holes are one per upstream
 * task), not appended one by one.
 */
export function filledArgs(text: ArgsText, keyAt: (at: number) => string, hashOf: (path: string) => string): string {
  if (typeof text === "string") return text;
  const pieces = new Array<string>(text.length);
  for (let i = 0; i < text.length; i++) {
    const piece = text[i]!;
    pieces[i] = i % 2 === 0 ? (piece as string) : typeof piece === "number" ? keyAt(piece) : JSON.stringify(hashOf(piece));
  }
  return pieces.join("");
}

/** The length of text an ArgsWriter keeps as one string while a list is written. */
const SPILL_CHARS = 4096;

/** Whether two lists name the same files, in one order, with the same hashes and roles: the same part of a key. */
export function sameFiles(a: readonly KeyFile[], b: readonly KeyFile[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k]!.path !== b[k]!.path || a[k]!.hash !== b[k]!.hash || a[k]!.role !== b[k]!.role) return false;
  return true;
}

export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Writes the canonical text of arguments (`ArgsText`, the members of `"args":{...}`).
 * `upstream` gives the key of a ref's task, or its place when that key is not known yet;
 * `content` the content hash of an input, undefined when not known yet: each unknown is a hole.
 * One writer serves all the tasks of a compilation: its state is per call of `write`.
 */
export class ArgsWriter {
  private text = "";
  /**
   * The text before `text`, in flat pieces of about SPILL_CHARS, while a long list is
   * written (a fan-in's 100,000 upstream keys): joined once, rather than one string grown
   * by 600,000 appends, whose every piece the collector would copy while it grows.
   */
  private spilled: string[] = [];
  private holes: (string | number)[] | undefined;
  /** The output named last, and its JSON: a fan-in names one output of thousands of tasks. */
  private output: string | undefined;
  private quotedOutput = "";

  constructor(
    private readonly upstream: (ref: Value & { t: "ref" }) => string | number,
    private readonly content: (path: string, dir: boolean) => string | undefined,
  ) {}

  /** `names`: the arguments' names in code-unit order; `quoted`, their JSON beside them. */
  write(names: readonly string[], quoted: readonly string[], args: ReadonlyMap<string, Value>): ArgsText {
    this.text = "";
    this.holes = undefined;
    // What a write cut short by an error left.
    if (this.spilled.length) this.spilled = [];
    for (let i = 0; i < names.length; i++) {
      this.text += (i ? "," : "") + quoted[i]! + ":";
      this.value(args.get(names[i]!)!);
    }
    const holes = this.holes as (string | number)[] | undefined;
    if (!holes) return this.taken();
    holes.push(this.taken());
    this.holes = undefined;
    return holes;
  }

  private hole(hole: string | number): void {
    (this.holes ??= []).push(this.taken(), hole);
  }

  /** The text written since the last hole, in one piece; the writer's text is then empty. */
  private taken(): string {
    let text = this.text;
    if (this.spilled.length) {
      this.spilled.push(text);
      text = this.spilled.join("");
      this.spilled = [];
    }
    this.text = "";
    return text;
  }

  private value(v: Value): void {
    switch (v.t) {
      case "int":
      case "float":
        // What JSON.stringify writes for a number, without its generic path.
        this.text += Number.isFinite(v.v) ? String(v.v) : "null";
        return;
      case "bool":
        this.text += v.v ? "true" : "false";
        return;
      case "str":
        this.text += JSON.stringify(v.v);
        return;
      case "none":
      case "pending":
        this.text += "null";
        return;
      case "path": {
        this.text += `{"content":`;
        const hash = this.content(v.path, v.dir);
        if (hash === undefined) this.hole(v.path);
        else this.text += JSON.stringify(hash);
        this.text += `,"path":${JSON.stringify(v.path)}}`;
        return;
      }
      case "list":
        this.text += "[";
        for (let i = 0; i < v.items.length; i++) {
          if (i) this.text += ",";
          this.value(v.items[i]!);
          if (this.text.length > SPILL_CHARS) {
            this.spilled.push(flat(this.text));
            this.text = "";
          }
        }
        this.text += "]";
        return;
      case "record": {
        const keys = Object.keys(v.fields).sort(byCodeUnits);
        this.text += `{"record":{`;
        for (let i = 0; i < keys.length; i++) {
          this.text += (i ? "," : "") + JSON.stringify(keys[i]) + ":";
          this.value(v.fields[keys[i]!]!);
        }
        this.text += "}}";
        return;
      }
      case "ref": {
        // An element of a stored list of files, by what it is: its name and content.
        if (v.item) {
          this.text += `{"content":${JSON.stringify(v.item.hash)},"name":${JSON.stringify(v.item.name)}}`;
          return;
        }
        if (v.fields) this.text += `{"fields":[${v.fields.map((f) => JSON.stringify(f)).join(",")}],"output":`;
        else this.text += `{"output":`;
        if (v.output !== this.output) this.quotedOutput = JSON.stringify((this.output = v.output));
        this.text += this.quotedOutput + `,"upstream":"`;
        const key = this.upstream(v);
        // A key is hex: its own JSON text.
        if (typeof key === "number") this.hole(key);
        else this.text += key;
        this.text += `"}`;
      }
    }
  }
}
