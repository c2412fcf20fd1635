// The arguments of a TypeScript action as its task script hands them over: the plan's
// values (`{"$path"}`, `{"$record"}`, `{"$ref"}` to an upstream output) beside the task's
// inputs. Upstream outputs are resolved here, at run time, from the store: a file or a
// directory by its path, a scalar by its parsed value (read as store/outputs.ts says).

import fs from "node:fs";
import { outputPath } from "../store/layout.js";
import { isStructured, numberOf, parseType, projectValue, scalarValue, structuredValue, valueToJs } from "../store/outputs.js";

interface Input {
  readonly task: string;
  readonly key: string;
  readonly output: string;
  readonly type: string;
  readonly fields?: readonly string[];
  readonly outputType?: string;
  readonly file?: string;
}

export function resolveArgs(args: Record<string, unknown>, inputs: readonly Input[], storeDir: string): Record<string, unknown> {
  const inputOf = new Map(inputs.map((i) => [`${i.task}\0${i.output}\0${i.fields?.join(".") ?? ""}`, i]));
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== "object") return value === null ? undefined : value;
    const v = value as Record<string, unknown>;
    if (typeof v["$path"] === "string") return v["$path"];
    if (v["$record"] && typeof v["$record"] === "object") {
      return Object.fromEntries(Object.entries(v["$record"] as Record<string, unknown>).map(([k, f]) => [k, resolve(f)]));
    }
    if (typeof v["$ref"] === "string") {
      const input = inputOf.get(`${v["$ref"]}\0${String(v["output"])}\0${Array.isArray(v["fields"]) ? v["fields"].join(".") : ""}`);
      if (!input) throw new Error(`no input for ${String(v["$ref"])}.${String(v["output"])}`);
      const file = outputPath(storeDir, input.key, input.file ?? input.output);
      const stored = input.outputType ?? input.type;
      if (stored === "File" || stored === "Dir") return file;
      const fields = Array.isArray(v["fields"]) ? (v["fields"] as string[]) : [];
      if (fields.length > 0 || isStructured(parseType(stored))) return valueToJs(projectValue(structuredValue(file, parseType(stored)), fields));
      const text = scalarValue(fs.readFileSync(file, "utf8"));
      return stored === "Int" || stored === "Float" ? numberOf(text) : stored === "Bool" ? text === "true" : text;
    }
    return Object.fromEntries(Object.entries(v).map(([k, f]) => [k, resolve(f)]));
  };
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, resolve(v)]));
}
