// The plan phase's entry: `compile(program, options)` expands the entry pipeline into tasks,
// hashes external inputs, computes every cache key and returns the plan (plan.ts) with the
// diagnostics found on the way (a missing input or one that is not a file, a parameter
// without a value), placed at the argument, `uses` path or `ts` reference that named it.

import fs from "node:fs";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { tsSourceFiles } from "../check/ts-sources.js";
import type { TAction, TypedProgram } from "../check/typed.js";
import { show } from "../check/types.js";
import { describeKind, kindOfStat, NOT_REGULAR_HINT, relativePosix, resolvePosix, type PathKind } from "../host.js";
import { NotRegularFileError, type ContentHasher } from "./content-hash.js";
import { actionDef } from "./definition.js";
import { Expander, type Drafts } from "./expand.js";
import { filledArgs, keyOf, keyTail } from "./keys.js";
import { PLAN_FORMAT, type ActionDef, type KeyFile, type Plan } from "./plan.js";
import { toPlanValue, type Value } from "./values.js";
import { append } from "../arrays.js";
import { parseType } from "../store/structured.js";
import { pendingWaits, readRuntimeList, RuntimeListError, sourceKey, type RuntimeSource } from "./dynamic.js";


export interface CompileOptions {
  /** The entry pipeline's name. */
  readonly entry: string;
  /** Values for the entry pipeline's parameters, bound and type-checked by the checker (check/params.ts), evaluated by params.ts. */
  readonly params: ReadonlyMap<string, Value>;
  readonly hasher: ContentHasher;
  /** At most this many tasks (default MAX_TASKS); more is a diagnostic, found without expanding them all. */
  readonly maxTasks?: number;
  /** The store, where the lists dynamic loops run over are read once their tasks have run; without it, such loops stay pending. */
  readonly storeDir?: string;
  /** The interpreter of a Python action (by its name), from the config (`python`). */
  readonly python?: (action: string) => string | undefined;
}

export interface CompileResult {
  readonly plan?: Plan;
  readonly diagnostics: Diagnostic[];
  /** Whether a dynamic loop is in the plan (pending, or planned from a list read from the store). */
  readonly readStore?: boolean;
}

/**
 * About 1.5 KB of memory per task while compiling, and 600 bytes of plan JSON, written in
 * pieces (json-chunks.ts): at half a million tasks `pipe plan` peaks below 1.5 GB, `--json`
 * included (test/project/limits.test.ts asserts it), inside Node's default heap.
 */
export const MAX_TASKS = 500_000;

/**
 * Expands and keys the plan; then, while a dynamic loop waits on a list whose task is in the
 * store, reads that list and plans again (plan/dynamic.ts): once per level of nested loops.
 */
export async function compile(program: TypedProgram, options: CompileOptions): Promise<CompileResult> {
  const runtime = new Map<string, Value>();
  for (;;) {
    const round = await compileWith(program, options, runtime);
    if (round.plan && (runtime.size || round.wanted.length)) Object.assign(round, { readStore: true });
    if (!round.plan || !options.storeDir || !round.wanted.length) return round;
    const byId = new Map(round.plan.tasks.map((t) => [t.id, t]));
    let grew = false;
    for (const source of round.wanted) {
      const where = sourceKey(source);
      const task = byId.get(source.task);
      if (runtime.has(where) || task === undefined) continue;
      const outputType = parseType(round.plan.actions[task.action]!.outputs.find((o) => o.name === source.output)!.type);
      try {
        const list = await readRuntimeList(options.storeDir, task.key, source, outputType, options.hasher);
        if (list) {
          runtime.set(where, list);
          grew = true;
        }
      } catch (error) {
        if (!(error instanceof RuntimeListError)) throw error;
        return { diagnostics: [at(Diag.unreadableRuntimeList([source.task, source.output, ...(source.fields ?? [])].join("."), error.message), undefined, { hint: `run \`${source.task}\` again (\`--force\`)` })] };
      }
    }
    if (!grew) return round;
  }
}

async function compileWith(program: TypedProgram, options: CompileOptions, runtime: ReadonlyMap<string, Value>): Promise<CompileResult & { wanted: RuntimeSource[] }> {
  const diagnostics: Diagnostic[] = [];
  const entryId = program.entryPipelines.get(options.entry);
  const entry = entryId && program.pipelines.get(entryId);
  if (!entry) {
    const names = [...program.entryPipelines.keys()];
    return { diagnostics: [at(Diag.entryNotFound(options.entry), undefined, { hint: names.length ? `pipelines here: ${names.join(", ")}` : "declare `pipeline main() { ... }`" })], wanted: [] };
  }

  const maxTasks = options.maxTasks ?? MAX_TASKS;
  const projectDir = program.projectDir;
  const actions: Record<string, ActionDef> = {};
  const defOf = (action: TAction) => (actions[action.id] ??= actionDef(action, projectDir, options.python?.(action.name)));
  // An input the stat cache knows unchanged is hashed as expansion meets it, from one
  // synchronous stat: its tasks are keyed as they are made, and hashAll does not stat it again.
  const inputs = new InputFiles(projectDir, options.hasher);
  // An action whose files (`uses`, sources) are none, or all known to the stat cache, has
  // nothing left to hash: its tasks are keyed as they are made, and their texts never kept.
  const filesOf = new Map<TAction, ActionFiles>();
  const filesFor = (action: TAction) => {
    let files = filesOf.get(action);
    if (!files) filesOf.set(action, (files = actionFiles(action)));
    return files;
  };
  const tails = new Map<TAction, string | undefined>();
  const keyTails = (action: TAction) => {
    let tail = tails.get(action);
    if (tail === undefined && !tails.has(action)) tails.set(action, (tail = knownTail(action, filesFor(action), inputs, projectDir, defOf)));
    return tail;
  };
  const expander = new Expander(program, maxTasks, runtime, keyTails, (p, dir) => (dir ? undefined : inputs.known(p)));
  const outputs = expander.pipeline(entry, options.params, new Map(), entry.name, {});
  const drafts = expander.drafts;
  const tasks = drafts.tasks;
  const sources = expander.wanted;
  if (tasks.length > maxTasks) return { diagnostics: [at(Diag.tooManyTasks(tasks.length, maxTasks), entry.span, { hint: "expansion stopped there; split the sweep, or sweep inside a task" })], wanted: sources };
  if (expander.diagnostics.length) return { diagnostics: expander.diagnostics, wanted: sources };

  // Hash every file a key covers, each once.
  const { wanted, expectDir, origin, hashed } = filesToHash(drafts, inputs, filesFor);
  const hashes = await hashAll([...wanted].sort(), expectDir, origin, options.hasher, inputs.early, diagnostics, projectDir);
  options.hasher.save();
  if (diagnostics.length) return { diagnostics, wanted: sources };
  keyTheRest(drafts, hashes, filesOf, (p) => hashed(p) ?? hashes.get(inputs.absolute(p)), projectDir, defOf);

  const plan: Plan = {
    format: PLAN_FORMAT,
    entry: entry.name,
    file: relativePosix(projectDir, program.entryFile),
    params: Object.fromEntries([...options.params].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, toPlanValue(v)])),
    actions: Object.fromEntries(Object.keys(actions).sort().map((k) => [k, actions[k]!])),
    tasks,
    outputs: entry.outputs.map((o) => {
      const value = outputs.get(o.name) ?? { t: "none" };
      const waits = pendingWaits([value]);
      return { name: o.name, type: show(o.type), value: toPlanValue(value), ...(waits ? { pending: waits } : {}) };
    }),
    ...(expander.pending.length ? { pending: expander.pending } : {}),
  };
  return { plan, diagnostics, wanted: sources };
}

/** The tasks' input paths, as plans write them, each resolved once; and what the stat cache said of each while expanding. */
class InputFiles {
  private readonly byPath = new Map<string, { readonly file: string; hash?: string | null }>();
  /** By absolute path: the hash the stat cache knew unchanged, or null when it did not. */
  readonly early = new Map<string, string | null>();

  constructor(
    private readonly projectDir: string,
    private readonly hasher: ContentHasher,
  ) {}

  private entry(p: string): { readonly file: string; hash?: string | null } {
    let e = this.byPath.get(p);
    if (e === undefined) this.byPath.set(p, (e = { file: resolvePosix(this.projectDir, p) }));
    return e;
  }

  absolute(p: string): string {
    return this.entry(p).file;
  }

  /** The hash of a file the stat cache knows unchanged, asked of the file system once. */
  known(p: string): string | undefined {
    const e = this.entry(p);
    if (e.hash === undefined) this.early.set(e.file, (e.hash = this.hasher.knownFileHash(e.file) ?? null));
    return e.hash ?? undefined;
  }

  /** What `known` found for `p`, without asking. */
  found(p: string): string | undefined {
    return this.byPath.get(p)?.hash ?? undefined;
  }
}

/** Files an action's tasks share: its `uses` files and sources, absolute. */
type ActionFiles = { role: KeyFile["role"]; path: string }[];

function actionFiles(action: TAction): ActionFiles {
  const files: ActionFiles = action.uses.map((u) => ({ role: "uses" as const, path: u.path }));
  const impl = action.impl;
  if (impl.kind === "Ts") append(files, tsSourceFiles(impl.module).map((p) => ({ role: "ts" as const, path: p })));
  else if (impl.kind === "Py") append(files, impl.sources.map((p) => ({ role: "py" as const, path: p })));
  return files;
}

/** An action's files as its keys and the plan record them; undefined when `hashOf` lacks one's hash. */
function keyFilesOf(own: ActionFiles, projectDir: string, hashOf: (file: string) => string | undefined): KeyFile[] | undefined {
  const files: KeyFile[] = [];
  for (const f of own) {
    const hash = hashOf(f.path);
    if (hash === undefined) return undefined;
    files.push({ role: f.role, path: relativePosix(projectDir, f.path), hash });
  }
  return files;
}

/** What an action's keys share, when each of its files is none or known unchanged to the stat cache. */
function knownTail(action: TAction, own: ActionFiles, inputs: InputFiles, projectDir: string, defOf: (action: TAction) => ActionDef): string | undefined {
  const files = keyFilesOf(own, projectDir, (p) => inputs.known(p));
  return files && keyTail(defOf(action).definitionHash, files, action.cache);
}

/**
 * The files the keys cover (absolute), each named once: every action's `uses` files and
 * sources, and the tasks' external inputs, whether each must be a directory, and where
 * each was named first (the argument, the `uses` path, the `ts` reference), for diagnostics.
 * An input hashed already while expanding, and never given as a `Dir`, is left out of all
 * that: `hashed` gives its hash.
 */
function filesToHash(drafts: Drafts, inputs: InputFiles, filesFor: (action: TAction) => ActionFiles) {
  const dirs = new Set<string>();
  for (let i = 0; i < drafts.inputValues.length; i++) for (const v of drafts.inputValues[i]!) if (v.dir) dirs.add(v.path);
  const hashed = (p: string) => (dirs.size && dirs.has(p) ? undefined : inputs.found(p));
  const expectDir = new Map<string, boolean>();
  const seen = new Set<TAction>();
  const wanted = new Set<string>();
  const origin = new Map<string, Origin>();
  const named = (file: string, what: string, span: Span | undefined) => {
    const had = origin.get(file);
    if (had === undefined || (span && !had.span)) origin.set(file, { what, span });
  };
  let last: TAction | undefined;
  for (let i = 0; i < drafts.tasks.length; i++) {
    const action = drafts.actions[i]!;
    // The tasks of a sweep are made one after another: most tasks ask for the action of the one before.
    if (action !== last && !seen.has(action)) {
      seen.add(action);
      const files = filesFor(action);
      for (const u of action.uses) named(u.path, "`uses` file", u.span);
      const impl = action.impl;
      if (impl.kind !== "Shell") for (const f of files) if (f.role !== "uses") named(f.path, impl.kind === "Ts" ? "TypeScript source" : "Python source", impl.span);
      for (const f of files) wanted.add(f.path);
    }
    last = action;
    const inputPaths = drafts.inputPaths[i]!;
    if (inputPaths.length === 0) continue;
    for (const p of inputPaths) if (hashed(p) === undefined) wanted.add(inputs.absolute(p));
    for (const v of drafts.inputValues[i]!) {
      if (hashed(v.path) !== undefined) continue;
      const file = inputs.absolute(v.path);
      expectDir.set(file, v.dir);
      named(file, "input", v.span);
    }
  }
  return { wanted, expectDir, origin, hashed };
}

/**
 * Sets every task's files, and the key of each not keyed while it was made (expand.ts), in
 * plan order: the upstream keys its text waits on are set by then.
 */
function keyTheRest(drafts: Drafts, hashes: ReadonlyMap<string, string>, filesOf: ReadonlyMap<TAction, ActionFiles>, inputHash: (p: string) => string | undefined, projectDir: string, defOf: (action: TAction) => ActionDef): void {
  const tasks = drafts.tasks;
  // Per action, once: its `uses` and TypeScript files as the key and the plan record them, and what its keys share.
  const perAction = new Map<TAction, { files: KeyFile[]; tail: string }>();
  const keyAt = (at: number) => tasks[at]!.key;
  const hashOf = (p: string) => inputHash(p) ?? "";
  let last: TAction | undefined;
  let own: { files: KeyFile[]; tail: string } | undefined;
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    const action = drafts.actions[i]!;
    if (action !== last) {
      own = perAction.get(action);
      if (!own) {
        const files = keyFilesOf(filesOf.get(action)!, projectDir, (p) => hashes.get(p))!;
        perAction.set(action, (own = { files, tail: keyTail(defOf(action).definitionHash, files, action.cache) }));
      }
      last = action;
    }
    // Tasks without inputs of their own share their action's list (nothing changes a plan's lists).
    let files = own!.files;
    const inputPaths = drafts.inputPaths[i]!;
    if (inputPaths.length) {
      // Of its exact length, where pushing onto a copy left room for 16 more: 1.3 MB at 10,000 inputs.
      const inputs = inputPaths.map((p): KeyFile => ({ role: "input", path: p, hash: inputHash(p)! }));
      files = own!.files.length ? own!.files.concat(inputs) : inputs;
    }
    task.files = files;
    const text = drafts.argsText[i];
    if (text !== undefined) {
      task.key = keyOf(filledArgs(text, keyAt, hashOf), own!.tail);
      drafts.argsText[i] = undefined;
    }
  }
}

interface Origin {
  readonly what: string;
  readonly span: Span | undefined;
}

async function hashAll(files: string[], expectDir: ReadonlyMap<string, boolean>, origin: ReadonlyMap<string, Origin>, hasher: ContentHasher, early: ReadonlyMap<string, string | null>, diagnostics: Diagnostic[], projectDir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const problems = new Map<string, Diagnostic>();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      // The common case, a file the stat cache knows unchanged: one stat, no trip through the
      // thread pool; an input asked of the stat cache while expanding is not stat'ed again for it.
      const asked = early.get(file);
      const known = expectDir.get(file) === true ? undefined : asked === undefined ? hasher.knownFileHash(file) : (asked ?? undefined);
      if (known !== undefined) {
        hashes.set(file, known);
        continue;
      }
      const shown = relativePosix(projectDir, file);
      const span = origin.get(file)?.span;
      const notRegular = (kind: PathKind) => at(Diag.notRegularFile(origin.get(file)?.what ?? "input", shown, describeKind(kind)), span, { hint: NOT_REGULAR_HINT });
      try {
        // A FIFO, a device or a socket is refused from its metadata, never opened.
        const stat = await fs.promises.stat(file, { bigint: true });
        const kind = kindOfStat(stat);
        if (kind !== "file" && kind !== "dir") {
          problems.set(file, notRegular(kind ?? "socket"));
          continue;
        }
        const dir = expectDir.get(file);
        if (dir !== undefined && (kind === "dir") !== dir) {
          problems.set(file, at(Diag.inputKind(shown, dir ? "directory" : "file"), span, { hint: `its parameter is a \`${dir ? "Dir" : "File"}\`` }));
          continue;
        }
        hashes.set(file, await hasher.hash(file, stat));
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
