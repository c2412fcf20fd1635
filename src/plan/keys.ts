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
  let uses = "";
  let ts = "";
  let py = "";
  const hashOf = new Map<string, string>();
  for (const f of parts.files) {
    if (f.role === "uses") uses += (uses ? "," : "") + JSON.stringify(f.hash);
    else if (f.role === "ts") ts += (ts ? "," : "") + JSON.stringify(f.hash);
    else if (f.role === "py") py += (py ? "," : "") + JSON.stringify(f.hash);
    else hashOf.set(f.path, f.hash);
  }
  const value = (v: Value): string => {
    switch (v.t) {
      case "int":
      case "float":
      case "bool":
      case "str":
        return JSON.stringify(v.v);
      case "none":
        return "null";
      case "path":
        return `{"content":${JSON.stringify(hashOf.get(v.path) ?? "")},"path":${JSON.stringify(v.path)}}`;
      case "list": {
        let text = "[";
        for (let i = 0; i < v.items.length; i++) text += (i ? "," : "") + value(v.items[i]!);
        return text + "]";
      }
      case "record":
        return `{"record":${object(Object.entries(v.fields), value)}}`;
      case "ref": {
        const fields = v.fields ? `"fields":[${v.fields.map((f) => JSON.stringify(f)).join(",")}],` : "";
        return `{${fields}"output":${JSON.stringify(v.output)},"upstream":${JSON.stringify(parts.upstreamKey(v.task))}}`;
      }
    }
  };
  const args = object([...parts.args], value);
  // An uncached action's key is still stable; the planner marks its tasks to run every time.
  return sha256(`{"inputs":{"args":${args},"cache":${parts.cache},"definition":${JSON.stringify(parts.definitionHash)},${py ? `"py":[${py}],` : ""}"ts":[${ts}],"uses":[${uses}]},"keyVersion":${KEY_VERSION}}`).slice(0, 32);
}

/** A canonical JSON object of `entries`: keys in code-unit order, as `canonicalJson` sorts them. */
function object<T>(entries: [string, T][], value: (v: T) => string): string {
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let text = "{";
  for (let i = 0; i < entries.length; i++) text += `${i ? "," : ""}${JSON.stringify(entries[i]![0])}:${value(entries[i]![1])}`;
  return text + "}";
}
