// The outputs of a TypeScript action: checking what the function returned against the
// declared output types, then writing each one to `<out-dir>/<name>` the way a shell
// command would have: scalars as text, File/Dir outputs as the file or directory itself.

import fs from "node:fs";
import path from "node:path";
import { formatFloat } from "../plan/values.js";
import { isPathList, isStructured, parseType, pythonJson } from "../store/structured.js";

export const outputTypes = ["Int", "Float", "Bool", "String", "File", "Dir"] as const;
/** A scalar or path type, or a structured one as the plan spells it (`List[Float]`, `{acc: Float}`). */
export type OutputType = (typeof outputTypes)[number] | (string & {});

/** A structured type the store can hold (store/structured.ts). */
export function isOutputTypeText(text: string): boolean {
  try {
    return isStructured(parseType(text));
  } catch {
    return false;
  }
}

/** An output ready to be written: text for a scalar, a path to move or copy for File/Dir. */
export type Output =
  | { readonly name: string; readonly text: string }
  | { readonly name: string; readonly from: string; readonly copy: boolean }
  /** A `List[File]`/`List[Dir]`: a directory of these, each under its own name. */
  | { readonly name: string; readonly entries: readonly { readonly from: string; readonly copy: boolean }[] };

/** The function failed to keep its contract; the message completes "<module#export> ...". */
export class OutputError extends Error {}

/**
 * Checks the returned value against `types` and decides how each output is committed.
 * `scratch` is the directory the call was given for its own files (its `os.tmpdir()`):
 * a returned path inside it was made by the call and is moved; any other path (a project
 * file, an input, an upstream result, a file the call appended to) is copied, so that
 * returning it never takes it from its owner. A symlink counts as the path it points to.
 */
export function collectOutputs(result: unknown, types: Readonly<Record<string, OutputType>>, scratch: string): Output[] {
  const names = Object.keys(types);
  if (result === undefined && names.length === 0) return [];
  if (typeof result !== "object" || result === null || Array.isArray(result)) {
    throw new OutputError(`returned ${result === null ? "null" : Array.isArray(result) ? "an array" : typeof result}, not an object of outputs`);
  }
  const values = result as Record<string, unknown>;
  const missing = names.filter((n) => values[n] === undefined);
  if (missing.length > 0) throw new OutputError(`returned no value for output ${missing.map((n) => `\`${n}\``).join(", ")}`);
  const extra = Object.keys(values).filter((n) => !(n in types) && values[n] !== undefined);
  if (extra.length > 0) throw new OutputError(`returned ${extra.map((n) => `\`${n}\``).join(", ")}, which the action does not declare as outputs`);
  const own = fs.realpathSync(scratch);
  return names.sort().map((name) => {
    const type = types[name]!;
    const value = values[name];
    if (type === "File" || type === "Dir") return pathOutput(name, type as "File" | "Dir", value, own);
    if (!(outputTypes as readonly string[]).includes(type)) return structuredOutput(name, type, value, own);
    return { name, text: scalarText(name, type as "Int" | "Float" | "Bool" | "String", value) };
  });
}

/** A list or record as JSON (checked afterwards like a command's, store/structured.ts); a list of paths as their entries. */
function structuredOutput(name: string, type: string, value: unknown, scratch: string): Output {
  const t = parseType(type);
  if (!isPathList(t)) return { name, text: pythonJson(value) + "\n" };
  const element = (t as { element: { kind: "File" | "Dir" } }).element.kind;
  if (!Array.isArray(value)) throw new OutputError(`returned ${JSON.stringify(value)} for ${type} output \`${name}\`, which must be an array of paths`);
  const entries = value.map((v) => pathOutput(name, element, v, scratch) as { from: string; copy: boolean });
  const names = new Set<string>();
  for (const e of entries) {
    const base = path.basename(e.from);
    if (names.has(base)) throw new OutputError(`returned two paths named "${base}" for ${type} output \`${name}\`: its entries are files of one directory`);
    names.add(base);
  }
  return { name, entries: entries.map((e) => ({ from: e.from, copy: e.copy })) };
}

function scalarText(name: string, type: "Int" | "Float" | "Bool" | "String", value: unknown): string {
  const bad = (): never => {
    throw new OutputError(`returned ${JSON.stringify(value)} for output \`${name}\`, which is not ${type === "Int" ? "an" : "a"} ${type}`);
  };
  switch (type) {
    case "Int":
      // BigInt spells large integers out in full, where String(1e21) would write "1e+21".
      return typeof value === "number" && Number.isInteger(value) ? BigInt(value).toString() : bad();
    case "Float":
      // As a Python action writes it (store/outputs.ts reads not-a-number and infinities so).
      return typeof value === "number" ? formatFloat(value) : bad();
    case "Bool":
      return typeof value === "boolean" ? String(value) : bad();
    case "String":
      return typeof value === "string" ? value : bad();
  }
}

function pathOutput(name: string, type: "File" | "Dir", value: unknown, scratch: string): Output {
  if (typeof value !== "string" || value === "") throw new OutputError(`returned ${JSON.stringify(value)} for ${type} output \`${name}\`, which must be a path`);
  const stat = fs.statSync(value, { throwIfNoEntry: false });
  if (!stat) throw new OutputError(`returned "${value}" for output \`${name}\`, but no such ${type === "File" ? "file" : "directory"} exists`);
  if (type === "File" ? !stat.isFile() : !stat.isDirectory()) throw new OutputError(`returned "${value}" for ${type} output \`${name}\`, which is not a ${type === "File" ? "file" : "directory"}`);
  const real = fs.realpathSync(value);
  const made = real === scratch || real.startsWith(scratch + path.sep);
  // A directory holding symlinks is copied with them followed, as any copy is: moved, the
  // store would keep links to files the call does not own.
  return { name, from: real, copy: !made || (stat.isDirectory() && holdsSymlink(real)) };
}

function holdsSymlink(dir: string): boolean {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).some((e) => e.isSymbolicLink());
}

/** @param files the file names outputs declare, where they are not the outputs' names. */
export function writeOutputs(outputs: readonly Output[], outDir: string, files: Readonly<Record<string, string>> = {}): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const o of outputs) {
    const target = path.join(outDir, files[o.name] ?? o.name);
    fs.rmSync(target, { recursive: true, force: true });
    if ("text" in o) fs.writeFileSync(target, o.text);
    else if ("entries" in o) {
      fs.mkdirSync(target);
      for (const e of o.entries) {
        const to = path.join(target, path.basename(e.from));
        if (e.copy) fs.cpSync(e.from, to, { recursive: true, dereference: true });
        else move(e.from, to);
      }
    }
    // A copy follows symlinks, so that the store never points back into what it copied.
    else if (o.copy) fs.cpSync(o.from, target, { recursive: true, dereference: true });
    else move(o.from, target);
  }
}

function move(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    fs.cpSync(from, to, { recursive: true });
    fs.rmSync(from, { recursive: true, force: true });
  }
}
