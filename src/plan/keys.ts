// Cache keys, computed at compile time, exactly over what determines a task's result:
// the action's normalized definition, the canonical argument values (an external file or
// directory by its content hash and the project-relative path the command receives, since
// a command may use the name; an upstream output by its task's key and output name), the
// content of every `uses` file and of a TypeScript or Python action's sources, and whether the action
// may be cached. Never over resources, retries, mtimes, or the machine (paths are relative
// to the project directory, so moving the project changes no key).

import { KEY_VERSION, sha256 } from "./canonical.js";
import type { KeyFile, PlanValue } from "./plan.js";
import { toPlanValue, type Value } from "./values.js";

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
  const args: Record<string, PlanValue> = {};
  for (const [k, v] of parts.args) Object.defineProperty(args, k, { value: toPlanValue(v), enumerable: true, writable: true, configurable: true });
  return new KeyWriter(parts.definitionHash, parts.files, parts.cache).key(args, parts.files, parts.upstreamKey);
}

/**
 * The keys of one action's tasks: what all of them share (the definition, the `uses`, `ts`
 * and `py` hashes, `cache`) is written once, and each task adds its arguments, read from
 * the plan's record of them (values.ts, `toPlanValue`, which keeps all a key covers).
 */
export class KeyWriter {
  /** The canonical text after the arguments. */
  private readonly tail: string;
  /** The argument names in canonical order, as JSON strings beside them: the tasks of one action name the same parameters. */
  private order: readonly string[] = [];
  private quoted: readonly string[] = [];

  /** `files`: the action's own (`uses`, `ts`, `py`; any `input` is passed over); a task's inputs are given to `key`. */
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

  /** The key of a task given its arguments as the plan records them; `files` names the content of its external inputs (role `input`), by path. */
  key(args: Readonly<Record<string, PlanValue>>, files: readonly KeyFile[], upstreamKey: (taskId: string) => string): string {
    this.hashOf = undefined;
    for (const f of files) if (f.role === "input") (this.hashOf ??= new Map()).set(f.path, f.hash);
    this.upstreamKey = upstreamKey;
    if (!this.sameNames(args)) {
      this.order = Object.keys(args).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.quoted = this.order.map((k) => JSON.stringify(k));
    }
    let text = `{"inputs":{"args":{`;
    for (let i = 0; i < this.order.length; i++) text += `${i ? "," : ""}${this.quoted[i]}:${this.value(args[this.order[i]!]!)}`;
    return sha256(text + "}" + this.tail).slice(0, 32);
  }

  // What `value` reads, set by `key` for its task: a method rather than a closure made per task.
  private hashOf: Map<string, string> | undefined;
  private upstreamKey: (taskId: string) => string = () => "";
  /** The output named last, and its JSON: a fan-in names one output of thousands of tasks. */
  private output: string | undefined;
  private quotedOutput = "";

  private value(v: PlanValue): string {
    if (v === null) return "null";
    switch (typeof v) {
      case "number":
        // What JSON.stringify writes for a number, without its generic path.
        return Number.isFinite(v) ? String(v) : "null";
      case "boolean":
        return v ? "true" : "false";
      case "string":
        return JSON.stringify(v);
    }
    if (Array.isArray(v)) {
      let text = "[";
      for (let i = 0; i < v.length; i++) text += (i ? "," : "") + this.value(v[i]!);
      return text + "]";
    }
    if ("$ref" in v) {
      // An element of a stored list of files, by what it is: its name and content.
      if (v.item !== undefined) return `{"content":${JSON.stringify(v.content)},"name":${JSON.stringify(v.item)}}`;
      const fields = v.fields ? `"fields":[${v.fields.map((f) => JSON.stringify(f)).join(",")}],` : "";
      if (v.output !== this.output) this.quotedOutput = JSON.stringify((this.output = v.output));
      // A key is hex: its own JSON text.
      return `{${fields}"output":${this.quotedOutput},"upstream":"${this.upstreamKey(v.$ref)}"}`;
    }
    if ("$path" in v) return `{"content":${JSON.stringify(this.hashOf?.get(v.$path) ?? "")},"path":${JSON.stringify(v.$path)}}`;
    return `{"record":${object(Object.entries((v as { $record: Record<string, PlanValue> }).$record), (x) => this.value(x))}}`;
  }

  private sameNames(args: Readonly<Record<string, PlanValue>>): boolean {
    let n = 0;
    for (const _ in args) n++;
    if (n !== this.order.length) return false;
    for (const k of this.order) if (!Object.hasOwn(args, k)) return false;
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
