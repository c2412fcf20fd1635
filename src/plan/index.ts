// The plan phase's entry: `compile(program, options)` expands the entry pipeline into tasks,
// hashes external inputs, computes every cache key and returns the plan (plan.ts) with the
// diagnostics found on the way (a missing input or one that is not a file, a parameter
// without a value), placed at the argument, `uses` path or `ts` reference that named it.

import fs from "node:fs";
import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { tsSourceFiles } from "../check/ts-sources.js";
import type { TypedProgram } from "../check/typed.js";
import { show } from "../check/types.js";
import { describeKind, kindOfStat, NOT_REGULAR_HINT, relativePosix, type PathKind } from "../host.js";
import { NotRegularFileError, type ContentHasher } from "./content-hash.js";
import { actionDef } from "./definition.js";
import { Expander } from "./expand.js";
import { taskKey } from "./keys.js";
import { PLAN_FORMAT, type ActionDef, type KeyFile, type Plan, type PlanValue, type Task } from "./plan.js";
import { toPlanResources } from "./resources.js";
import { toPlanValue, type Value } from "./values.js";
import { append } from "../arrays.js";

export interface CompileOptions {
  /** The entry pipeline's name. */
  readonly entry: string;
  /** Values for the entry pipeline's parameters, bound and type-checked by the checker (check/params.ts), evaluated by params.ts. */
  readonly params: ReadonlyMap<string, Value>;
  readonly hasher: ContentHasher;
  /** At most this many tasks (default MAX_TASKS); more is a diagnostic, found without expanding them all. */
  readonly maxTasks?: number;
  /** The interpreter of a Python action (by its name), from the config (`python`). */
  readonly python?: (action: string) => string | undefined;
}

export interface CompileResult {
  readonly plan?: Plan;
  readonly diagnostics: Diagnostic[];
}

/**
 * About 2 KB of memory per task while compiling, and 600 bytes of plan JSON: half a million
 * tasks stay well inside Node's default heap and its longest string (512 MiB).
 */
export const MAX_TASKS = 500_000;

export async function compile(program: TypedProgram, options: CompileOptions): Promise<CompileResult> {
  const diagnostics: Diagnostic[] = [];
  const entryId = program.entryPipelines.get(options.entry);
  const entry = entryId && program.pipelines.get(entryId);
  if (!entry) {
    const names = [...program.entryPipelines.keys()];
    return { diagnostics: [at(Diag.entryNotFound(options.entry), undefined, { hint: names.length ? `pipelines here: ${names.join(", ")}` : "declare `pipeline main() { ... }`" })] };
  }

  const maxTasks = options.maxTasks ?? MAX_TASKS;
  const expander = new Expander(program, maxTasks);
  const outputs = expander.pipeline(entry, options.params, new Map(), entry.name, {});
  const drafts = expander.drafts;
  if (drafts.length > maxTasks) return { diagnostics: [at(Diag.tooManyTasks(drafts.length, maxTasks), entry.span, { hint: "expansion stopped there; split the sweep, or sweep inside a task" })] };
  if (expander.diagnostics.length) return { diagnostics: expander.diagnostics };

  // Hash every file a key covers, each once.
  const projectDir = program.projectDir;
  /** External inputs, and whether their parameter's type is `Dir`. */
  const expectDir = new Map<string, boolean>();
  const filesOf = new Map<string, { role: KeyFile["role"]; path: string }[]>();
  const wanted = new Set<string>();
  /** Where each file was named first (the argument, the `uses` path, the `ts` reference), for diagnostics. */
  const origin = new Map<string, Origin>();
  const named = (file: string, what: string, span: Span | undefined) => {
    if (!origin.has(file) || (span && !origin.get(file)!.span)) origin.set(file, { what, span });
  };
  for (const d of drafts) {
    let files = filesOf.get(d.action.id);
    if (!files) {
      files = d.action.uses.map((u) => ({ role: "uses" as const, path: u.path }));
      for (const u of d.action.uses) named(u.path, "`uses` file", u.span);
      const impl = d.action.impl;
      if (impl.kind === "Ts") {
        const sources = tsSourceFiles(impl.module);
        append(files, sources.map((p) => ({ role: "ts" as const, path: p })));
        for (const p of sources) named(p, "TypeScript source", impl.span);
      } else if (impl.kind === "Py") {
        append(files, impl.sources.map((p) => ({ role: "py" as const, path: p })));
        for (const p of impl.sources) named(p, "Python source", impl.span);
      }
      filesOf.set(d.action.id, files);
      for (const f of files) wanted.add(f.path);
    }
    for (const p of d.inputPaths) wanted.add(path.resolve(projectDir, p));
    if (d.inputPaths.length) {
      for (const v of d.args.values()) {
        forEachPath(v, (p) => {
          const file = path.resolve(projectDir, p.path);
          expectDir.set(file, p.dir);
          named(file, "input", p.span);
        });
      }
    }
  }
  const hashes = await hashAll([...wanted].sort(), expectDir, origin, options.hasher, diagnostics, projectDir);
  options.hasher.save();
  if (diagnostics.length) return { diagnostics };

  const actions: Record<string, ActionDef> = {};
  // Per action, once: its `uses` and TypeScript files as the key and the plan record them.
  const actionFiles = new Map<string, KeyFile[]>();
  const keys = new Map<string, string>();
  const upstreamKey = (id: string) => keys.get(id)!;
  const tasks: Task[] = [];
  for (const d of drafts) {
    const def = (actions[d.action.id] ??= actionDef(d.action, projectDir, options.python?.(d.action.name)));
    let own = actionFiles.get(d.action.id);
    if (!own) {
      own = filesOf.get(d.action.id)!.map((f) => ({ role: f.role, path: relativePosix(projectDir, f.path), hash: hashes.get(f.path)! }));
      actionFiles.set(d.action.id, own);
    }
    // Tasks without inputs of their own share their action's list (nothing changes a plan's lists).
    let files = own;
    if (d.inputPaths.length) {
      files = own.slice();
      for (const p of d.inputPaths) files.push({ role: "input", path: p, hash: hashes.get(path.resolve(projectDir, p))! });
    }
    const key = taskKey({ definitionHash: def.definitionHash, args: d.args, files, cache: d.action.cache, upstreamKey });
    keys.set(d.id, key);
    const args: Record<string, PlanValue> = {};
    for (const [k, v] of d.args) args[k] = toPlanValue(v);
    tasks.push({
      id: d.id,
      key,
      action: d.action.id,
      group: d.group,
      deps: d.deps as string[],
      args,
      command: d.command,
      files,
      resources: toPlanResources(d.resources),
      retries: d.action.retries,
      cache: d.action.cache,
    });
  }

  const plan: Plan = {
    format: PLAN_FORMAT,
    entry: entry.name,
    file: relativePosix(projectDir, program.entryFile),
    params: Object.fromEntries([...options.params].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, toPlanValue(v)])),
    actions: Object.fromEntries(Object.keys(actions).sort().map((k) => [k, actions[k]!])),
    tasks,
    outputs: entry.outputs.map((o) => ({ name: o.name, type: show(o.type), value: toPlanValue(outputs.get(o.name) ?? { t: "none" }) })),
  };
  return { plan, diagnostics };
}

interface Origin {
  readonly what: string;
  readonly span: Span | undefined;
}

async function hashAll(files: string[], expectDir: ReadonlyMap<string, boolean>, origin: ReadonlyMap<string, Origin>, hasher: ContentHasher, diagnostics: Diagnostic[], projectDir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const problems = new Map<string, Diagnostic>();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      // The common case, a file the stat cache knows unchanged: one stat, no trip through the thread pool.
      const known = expectDir.get(file) === true ? undefined : hasher.knownFileHash(file);
      if (known !== undefined) {
        hashes.set(file, known);
        continue;
      }
      const shown = relativePosix(projectDir, file);
      const span = origin.get(file)?.span;
      const notRegular = (kind: PathKind) => at(Diag.notRegularFile(origin.get(file)?.what ?? "input", shown, describeKind(kind)), span, { hint: NOT_REGULAR_HINT });
      try {
        // A FIFO, a device or a socket is refused from its metadata, never opened.
        const kind = kindOfStat(await fs.promises.stat(file));
        if (kind !== "file" && kind !== "dir") {
          problems.set(file, notRegular(kind ?? "socket"));
          continue;
        }
        const dir = expectDir.get(file);
        if (dir !== undefined && (kind === "dir") !== dir) {
          problems.set(file, at(Diag.inputKind(shown, dir ? "directory" : "file"), span, { hint: `its parameter is a \`${dir ? "Dir" : "File"}\`` }));
          continue;
        }
        hashes.set(file, await hasher.hash(file));
      } catch (error) {
        if (error instanceof NotRegularFileError) {
          problems.set(file, notRegular(error.kind));
          continue;
        }
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        problems.set(file, at(Diag.inputNotFound(shown), span, { hint: missing ? "input paths are relative to the .pipe file that names them" : `it cannot be read: ${(error as Error).message}` }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
  // In path order, whichever finished first.
  for (const file of files) if (problems.has(file)) diagnostics.push(problems.get(file)!);
  return hashes;
}

function forEachPath(v: Value, visit: (p: Value & { t: "path" }) => void): void {
  if (v.t === "path") visit(v);
  else if (v.t === "list") for (const i of v.items) forEachPath(i, visit);
  else if (v.t === "record") for (const f of Object.values(v.fields)) forEachPath(f, visit);
}
