// Cache keys, computed at compile time, exactly over what determines a task's result:
// the action's normalized definition, the canonical argument values (an external file or
// directory by its content hash and the project-relative path the command receives, since
// a command may use the name; an upstream output by its task's key and output name), the
// content of every `uses` file and of a TypeScript action's sources, and whether the action
// may be cached. Never over resources, retries, mtimes, or the machine (paths are relative
// to the project directory, so moving the project changes no key).

import type { Json } from "./canonical.js";
import { cacheKey } from "./canonical.js";
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

export function taskKey(parts: KeyParts): string {
  const uses: string[] = [];
  const ts: string[] = [];
  const hashOf = new Map<string, string>();
  for (const f of parts.files) {
    if (f.role === "uses") uses.push(f.hash);
    else if (f.role === "ts") ts.push(f.hash);
    else hashOf.set(f.path, f.hash);
  }
  const value = (v: Value): Json => {
    switch (v.t) {
      case "int":
      case "float":
      case "bool":
      case "str":
        return v.v;
      case "none":
        return null;
      case "path":
        return { content: hashOf.get(v.path) ?? "", path: v.path };
      case "list":
        return v.items.map(value);
      case "record":
        return { record: Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, value(f)])) };
      case "ref":
        // An element of a stored list of files, by what it is: its name and content.
        if (v.item) return { content: v.item.hash, name: v.item.name };
        // A projection's fields only when there are some: the keys of whole outputs stay as they were.
        return v.fields ? { fields: [...v.fields], output: v.output, upstream: parts.upstreamKey(v.task) } : { output: v.output, upstream: parts.upstreamKey(v.task) };
      case "pending":
        return null;
    }
  };
  const argsJson: Record<string, Json> = {};
  for (const [k, v] of parts.args) argsJson[k] = value(v);
  return cacheKey({
    definition: parts.definitionHash,
    args: argsJson,
    uses,
    ts,
    // An uncached action's key is still stable; the planner marks its tasks to run every time.
    cache: parts.cache,
  });
}
