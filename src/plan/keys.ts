// Cache keys, computed at compile time, exactly over what determines a task's result:
// the action's normalized definition, the canonical argument values (an external file or
// directory by its content hash and the project-relative path the command receives, since
// a command may use the name; an upstream output by its task's key and output name), the
// content of every `uses` file and of a TypeScript or Python action's sources, and whether the action
// may be cached. Never over resources, retries, mtimes, or the machine (paths are relative
// to the project directory, so moving the project changes no key).

import { KEY_VERSION, sha256 } from "./canonical.js";
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
 * The key: the SHA-256 of the canonical JSON (canonical.ts) of
 * `{keyVersion, inputs: {args, cache, definition, py, ts, uses}}` (`py` only where there
 * are Python sources, so that the keys of every other action stay what they were), where an
 * argument's value is its scalar, `null` for none, `{content, path}` for an external path,
 * `{record: {...}}`, `{output, upstream}` for an upstream output (`{fields, output,
 * upstream}` for a projection into it), and a list of those. The text is written
 * directly rather than built as an object for `canonicalJson`: at 100,000 tasks the objects
 * and the generic walk cost four times the hashing. test/plan/keys.test.ts checks that both
 * give the same text.
 */
export function taskKey(parts: KeyParts): string {
  return new KeyWriter(parts.definitionHash, parts.files.filter((f) => f.role !== "input"), parts.cache).key(parts.args, parts.files, parts.upstreamKey);
}

/**
 * The keys of one action's tasks: what all of them share (the definition, the `uses`, `ts`
 * and `py` hashes, `cache`) is written once, and each task adds its arguments.
 */
export class KeyWriter {
  /** The canonical text after the arguments. */
  private readonly tail: string;
  /** The argument names in canonical order, as JSON strings beside them: the tasks of one action name the same parameters. */
  private order: readonly string[] = [];
  private quoted: readonly string[] = [];

  /** `files`: the action's own (`uses`, `ts`, `py`); a task's inputs are given to `key`. */
  constructor(definitionHash: string, files: readonly KeyFile[], cache: boolean) {
    let uses = "";
    let ts = "";
    let py = "";
    for (const f of files) {
      if (f.role === "uses") uses += (uses ? "," : "") + JSON.stringify(f.hash);
      else if (f.role === "ts") ts += (ts ? "," : "") + JSON.stringify(f.hash);
      else if (f.role === "py") py += (py ? "," : "") + JSON.stringify(f.hash);
    }
    // An uncached action's key is still stable; the planner marks its tasks to run every time.
    this.tail = `,"cache":${cache},"definition":${JSON.stringify(definitionHash)},${py ? `"py":[${py}],` : ""}"ts":[${ts}],"uses":[${uses}]},"keyVersion":${KEY_VERSION}}`;
  }

  /** The key of a task given `args`; `files` names the content of its external inputs (role `input`), by path. */
  key(args: ReadonlyMap<string, Value>, files: readonly KeyFile[], upstreamKey: (taskId: string) => string): string {
    let hashOf: Map<string, string> | undefined;
    for (const f of files) if (f.role === "input") (hashOf ??= new Map()).set(f.path, f.hash);
    let output: string | undefined;
    let quotedOutput = "";
    const value = (v: Value): string => {
      switch (v.t) {
        case "int":
        case "float":
          // What JSON.stringify writes for a number, without its generic path.
          return Number.isFinite(v.v) ? String(v.v) : "null";
        case "bool":
          return v.v ? "true" : "false";
        case "str":
          return JSON.stringify(v.v);
        case "none":
          return "null";
        case "path":
          return `{"content":${JSON.stringify(hashOf?.get(v.path) ?? "")},"path":${JSON.stringify(v.path)}}`;
        case "list": {
          let text = "[";
          for (let i = 0; i < v.items.length; i++) text += (i ? "," : "") + value(v.items[i]!);
          return text + "]";
        }
        case "record":
          return `{"record":${object(Object.entries(v.fields), value)}}`;
        case "ref": {
          // An element of a stored list of files, by what it is: its name and content.
          if (v.item) return `{"content":${JSON.stringify(v.item.hash)},"name":${JSON.stringify(v.item.name)}}`;
          const fields = v.fields ? `"fields":[${v.fields.map((f) => JSON.stringify(f)).join(",")}],` : "";
          // A fan-in names one output of thousands of tasks: its JSON is written once. A key is hex, its own JSON text.
          if (v.output !== output) quotedOutput = JSON.stringify((output = v.output));
          return `{${fields}"output":${quotedOutput},"upstream":"${upstreamKey(v.task)}"}`;
        }
        case "pending":
          return "null";
      }
    };
    if (!this.sameNames(args)) {
      this.order = [...args.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.quoted = this.order.map((k) => JSON.stringify(k));
    }
    let text = `{"inputs":{"args":{`;
    for (let i = 0; i < this.order.length; i++) text += `${i ? "," : ""}${this.quoted[i]}:${value(args.get(this.order[i]!)!)}`;
    return sha256(text + "}" + this.tail).slice(0, 32);
  }

  private sameNames(args: ReadonlyMap<string, Value>): boolean {
    if (this.order.length !== args.size) return false;
    for (const k of this.order) if (!args.has(k)) return false;
    return true;
  }
}

/** A canonical JSON object of `entries`: keys in code-unit order, as `canonicalJson` sorts them. */
function object<T>(entries: [string, T][], value: (v: T) => string): string {
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let text = "{";
  for (let i = 0; i < entries.length; i++) text += `${i ? "," : ""}${JSON.stringify(entries[i]![0])}:${value(entries[i]![1])}`;
  return text + "}";
}
