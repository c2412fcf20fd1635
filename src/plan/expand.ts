// Expansion: evaluates the entry pipeline into task drafts. Sweeps become one task per
// combination, nested pipelines are inlined under their binding's name, `with` values flow
// down to every call that declares the parameter and does not receive it, defaults fill
// the rest. Each draft has its command rendered; keys are computed afterwards (keys.ts),
// once the external files are hashed, except where nothing a key covers is left to hash:
// those are keyed as they are made, from the values at hand (keys.ts, `ArgsWriter`).

import path from "node:path";
import type { Resources, TAction, TCall, TExpr, TInterpolation, TOperation, TPipeline, TypedProgram } from "../check/typed.js";
import { zipMismatch } from "../check/pipelines.js";
import { isPathType, type Type } from "../check/types.js";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { relativePosix } from "../host.js";
import { mergeResources, retriesOf, toPlanResources } from "./resources.js";
import type { KeyFile, PlanResources, PlanValue, Task } from "./plan.js";
import { inDoubleQuotes, shellQuote } from "../shell/quote.js";
import { coerce, scalarText, toPlanValue, type Value } from "./values.js";
import { ComboLabels, labelledList, sameLabels, type Label } from "./labels.js";
import { elementLabel, pendingWaits, sourceKey, type RuntimeSource } from "./dynamic.js";
import type { Pending } from "./plan.js";
import { evaluateOperation } from "./evaluate.js";
import { computeResources } from "./computed-resources.js";
import { ArgsWriter, byCodeUnits, keyOf, type ArgsText } from "./keys.js";
import { flat } from "../text.js";

/**
 * The tasks expansion made, as index-based tables: the plan's tasks, their keys and files
 * still to be filled in (index.ts, once the files are hashed), and beside each, by its
 * place, what compiling them needs and the plan does not keep.
 */
export interface Drafts {
  /** The tasks, `key` empty and `files` the empty list until index.ts sets them. */
  readonly tasks: Task[];
  readonly actions: TAction[];
  /** External inputs: project-relative paths whose content the key covers, sorted, each once. */
  readonly inputPaths: (readonly string[])[];
  /** The path values in a task's arguments, in argument order: their kinds and where they were written. */
  readonly inputValues: (readonly PathValue[])[];
  /** The canonical text of the arguments of a task not keyed yet (its `key` empty); undefined for one keyed. */
  readonly argsText: (ArgsText | undefined)[];
}

/**
 * What keys a task as it is made: the canonical text after its arguments (keys.ts,
 * `keyTail`), when nothing of it waits on a file's hash (an action without `uses` or
 * sources); undefined when the task is keyed after hashing.
 */
export type KeyTails = (action: TAction) => string | undefined;

/** An action's parameter names in code-unit order, and their JSON: the order of its keys' arguments. */
interface ArgNames {
  readonly names: readonly string[];
  readonly quoted: readonly string[];
}
const argNames = new WeakMap<TAction, ArgNames>();

function argNamesOf(action: TAction): ArgNames {
  let names = argNames.get(action);
  if (!names) {
    const sorted = action.params.map((p) => p.name).sort(byCodeUnits);
    argNames.set(action, (names = { names: sorted, quoted: sorted.map((n) => JSON.stringify(n)) }));
  }
  return names;
}

const NO_ENV: ReadonlyMap<string, Value> = new Map();

/** What most tasks depend on and read: nothing (one list for all; nothing changes a plan's lists). */
const NO_DEPS: readonly string[] = Object.freeze([]);
const NO_PATHS: readonly string[] = Object.freeze([]);
const NO_FILES: readonly KeyFile[] = Object.freeze([]);

/** `record[name] = value`, where a parameter or output named `__proto__` is a field like any other. */
function setField<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === "__proto__") Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}

/** An upstream value a task reads, by the variable of its script (`in_3`); `next`, another of the same task. */
interface InputVar {
  readonly output: string;
  readonly fields: readonly string[] | undefined;
  readonly name: string;
  next: InputVar | undefined;
}

function sameFields(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface WithValue {
  readonly value: Value;
  /** The file of the pipeline that set it: a string standing for a path resolves there. */
  readonly file: string;
}

export class Expander {
  readonly drafts: Drafts = { tasks: [], actions: [], inputPaths: [], inputValues: [], argsText: [] };
  /** The plan's record of each `Resources` object: a sweep's tasks share one (mergeResources). */
  private readonly planResources = new Map<Resources, PlanResources>();
  /** Mistakes found only once values are known: a `zip` over lists of different lengths. */
  readonly diagnostics: Diagnostic[] = [];
  /**
   * The ids taken, once an id may be spelled twice: until a loop's labels could (repeat, or
   * hold a `/`, `[`, `]` or `#`), every id is a distinct path of let names and labels, and no
   * fresh id is hashed to check it.
   */
  private ids: Set<string> | undefined;
  /**
   * The place in `drafts` of each task, by id, for a ref that does not carry its place (an
   * element of a list read from the store): made when first asked, for the tasks made so far.
   */
  private readonly index = new Map<string, number>();
  private indexed = 0;
  /** By a task's place: the last task that read one of its outputs, and the variables it reads them as. */
  private readonly readBy: number[] = [];
  private readonly readAs: (InputVar | undefined)[] = [];
  private readonly actionArgs = new Map<TAction, Map<string, Value>>();
  /** The task being added (its place), the variables it reads so far, and the ids of the tasks it reads. */
  private reader = -1;
  private inputs = 0;
  private depIds: string[] = [];
  /**
   * The key of a task's upstream task, or its place (a hole) while that key waits on hashing;
   * an input's content hash if it is known already, else a hole.
   */
  private readonly args = new ArgsWriter(
    (ref) => {
      const at = ref.at ?? this.placeOf(ref.task);
      return this.drafts.tasks[at]!.key || at;
    },
    (p, dir) => this.content(p, dir),
  );
  /** Dynamic loops not planned yet, and the calls that wait on them (plan/dynamic.ts). */
  readonly pending: Pending[] = [];
  /** The runtime lists those loops wait on: what to look for in the store. */
  readonly wanted: RuntimeSource[] = [];

  /**
   * @param maxTasks expansion stops once there are more tasks than this (the caller reports it).
   * @param runtime the runtime lists read from the store so far, by `sourceKey`.
   */
  constructor(
    private readonly program: TypedProgram,
    private readonly maxTasks = Infinity,
    private readonly runtime: ReadonlyMap<string, Value> = new Map(),
    private readonly keyTails: KeyTails = () => undefined,
    /** The content hash of an input (its path in the plan; whether it is a `Dir`), when known without waiting. */
    private readonly content: (path: string, dir: boolean) => string | undefined = () => undefined,
  ) {}

  /**
   * Evaluates a pipeline under `prefix` (`main`, `main/inner`); returns its outputs. `group`
   * is the prefix without sweep labels (`main/runs` for `main/runs[lr=0.1]`).
   */
  pipeline(p: TPipeline, args: ReadonlyMap<string, Value>, withs: ReadonlyMap<string, WithValue>, prefix: string, resources: Resources, group = prefix): Map<string, Value> {
    const env = new Map(args);
    const innerWiths = new Map(withs);
    for (const w of p.withs) innerWiths.set(w.name, { value: this.expr(w.value, env), file: p.file });
    for (const letStmt of p.lets) {
      const v = letStmt.value;
      const id = `${prefix}/${letStmt.name}`;
      const letGroup = `${group}/${letStmt.name}`;
      if (v.kind === "Call") {
        env.set(letStmt.name, this.call(v, env, innerWiths, id, letGroup, resources));
        continue;
      }
      const results: Value[] = [];
      const resultLabels: Label[] = [];
      const seenLabels = new Map<string, number>();
      const sources = v.sources.map((s) => this.expr(s, env));
      // A `List` output of one task is a runtime list: known once that task is in the store.
      const dynamic = sources.map((s) => s.t === "ref");
      const known = sources.map((s) => (s.t === "ref" ? (this.runtime.get(sourceKey(s)) ?? s) : s));
      const over = known.flatMap((s) => (s.t === "ref" ? [{ task: s.task, output: [s.output, ...(s.fields ?? [])].join(".") }] : []));
      const after = pendingWaits(known) ?? [];
      if (over.length || after.length) {
        for (const s of known) if (s.t === "ref") this.wanted.push({ task: s.task, output: s.output, ...(s.fields ? { fields: s.fields } : {}), type: s.type });
        this.pending.push({ id, kind: "loop", over, after });
        env.set(letStmt.name, { t: "pending", waits: [id] });
        continue;
      }
      // Elements of a runtime list are labelled by value, a file by its name (dynamic.ts).
      const lists = known.map((l, k): Value & { t: "list" } => {
        const list: Value & { t: "list" } = l.t === "list" ? l : { t: "list", items: [] };
        return dynamic[k] ? { ...list, labels: list.items.map((item, i) => [`${v.vars[k]}=${elementLabel(item, i)}`]) } : list;
      });
      if (v.mode === "zip" && dynamic.some(Boolean) && lists.some((l) => l.items.length !== lists[0]!.items.length)) {
        const shown = sources.map((s, k) => `${s.t === "ref" ? `\`${[s.task, s.output, ...(s.fields ?? [])].join(".")}\`` : "a list"} of ${lists[k]!.items.length}`);
        this.diagnostics.push(at(Diag.runtimeZipLengths(id, shown), v.zip ?? v.span, { hint: "`zip` pairs values one to one and drops none: make the lists one length" }));
        env.set(letStmt.name, { t: "list", items: [] });
        continue;
      }
      if (v.mode === "zip") {
        const mismatch = zipMismatch(v.zip ?? v.span, lists.map((l, k) => ({ length: l.items.length, span: v.sources[k]!.span })));
        if (mismatch) {
          this.report(mismatch);
          env.set(letStmt.name, { t: "list", items: [] });
          continue;
        }
      }
      // One environment for the whole loop: a call reads it and keeps nothing of it.
      const loopEnv = new Map(env);
      const labels = new ComboLabels(v.vars, lists, v.mode);
      if (!labels.plainIds && !this.ids) this.ids = new Set(this.drafts.tasks.map((t) => t.id));
      const lengths = lists.map((l) => l.items.length);
      for (let at = firstCombination(v.mode, lengths); at; at = nextCombination(v.mode, lengths, at)) {
        if (this.drafts.tasks.length > this.maxTasks) break;
        for (let k = 0; k < at.length; k++) loopEnv.set(v.vars[k]!, lists[k]!.items[at[k]!]!);
        const label = labels.label(at);
        let suffix = labels.suffix(at, label);
        if (!labels.distinct) {
          const seen = (seenLabels.get(suffix) ?? 0) + 1;
          seenLabels.set(suffix, seen);
          if (seen > 1) suffix += `#${seen}`;
        }
        results.push(this.call(v.body, loopEnv, innerWiths, id + suffix, letGroup, resources));
        resultLabels.push(label);
      }
      env.set(letStmt.name, labelledList(results, resultLabels));
    }
    return new Map(p.returns.map((r) => [r.name, coerce(this.expr(r.value, env), p.outputs.find((o) => o.name === r.name)!.type)]));
  }

  private call(c: TCall, env: ReadonlyMap<string, Value>, withs: ReadonlyMap<string, WithValue>, id: string, group: string, outer: Resources): Value {
    const callee = c.callee.kind === "Action" ? this.program.actions.get(c.callee.id)! : this.program.pipelines.get(c.callee.id)!;
    // Arguments evaluated in the order written; a call names a few, so a search finds each.
    // (Loops rather than closures here and in `expr`: a closure over `env` would make every call allocate its scope.)
    const explicit = new Array<Value>(c.args.length);
    for (let i = 0; i < c.args.length; i++) explicit[i] = this.expr(c.args[i]!.value, env);
    // An action's arguments are read while its task is made, and kept only by a task with
    // external inputs (a copy): one map per action serves all its calls.
    const args = callee.kind === "Action" ? this.argsOf(callee) : new Map<string, Value>();
    for (let k = 0; k < callee.params.length; k++) {
      const param = callee.params[k]!;
      let given: Value | undefined;
      for (let i = 0; i < c.args.length; i++) if (c.args[i]!.name === param.name) given = explicit[i];
      const inherited = given === undefined ? withs.get(param.name) : undefined;
      let value = given ?? inherited?.value;
      if (value === undefined && param.default) value = this.expr(param.default, NO_ENV);
      args.set(param.name, asParamType(value ?? { t: "none" }, param.type, this.program.projectDir, inherited?.file ?? callee.file));
    }
    // Most calls compute no resources: their fixed ones, without a closure per call.
    const resources = mergeResources(outer, c.computedResources?.length ? this.computed(c.resources, c.computedResources, env, c, id) : c.resources);
    // A call of an action that receives what a pending loop makes is pending with it; a
    // pipeline's calls are, each as it receives such a value.
    const waits = callee.kind === "Action" && mayWait(callee, args) ? pendingWaits(args.values()) : undefined;
    if (waits) {
      this.pending.push({ id, kind: "call", over: [], after: waits });
      return { t: "pending", waits };
    }
    if (callee.kind === "Pipeline") {
      const outputs = this.pipeline(callee, args, withs, id, resources, group);
      return { t: "record", fields: Object.fromEntries(outputs) };
    }
    const own = callee.computedResources?.length ? this.computed(callee.resources, callee.computedResources, args, c, id) : callee.resources;
    id = this.addTask(callee, args, id, group, mergeResources(own, resources));
    const fields: Record<string, Value> = {};
    const at = this.drafts.tasks.length - 1;
    for (let k = 0; k < callee.outputs.length; k++) {
      const o = callee.outputs[k]!;
      setField<Value>(fields, o.name, { t: "ref", task: id, output: o.name, type: o.type, at });
    }
    return { t: "record", fields };
  }

  private argsOf(action: TAction): Map<string, Value> {
    let args = this.actionArgs.get(action);
    if (!args) this.actionArgs.set(action, (args = new Map()));
    return args;
  }

  private computed(fixed: Resources, computed: NonNullable<TCall["computedResources"]>, env: ReadonlyMap<string, Value>, c: TCall, id: string): Resources {
    return computeResources(fixed, computed, (e) => this.expr(e, env), c.span, id, (d) => this.report(d));
  }

  /** Adds the task; returns its id, made unique if sweep labels made of odd strings collide. */
  private addTask(action: TAction, args: Map<string, Value>, wanted: string, group: string, resources: Resources): string {
    // In one piece while young: sorting, hashing and printing ids would join them later, in the old generation.
    let id = flat(wanted);
    const n = this.drafts.tasks.length;
    // `for s in ["x]/t[k=y", ...]` over a nested sweep can spell another combination's id.
    if (this.ids) {
      for (let k = 2; this.ids.has(id); k++) id = `${wanted}#${k}`;
      this.ids.add(id);
    }
    this.readBy.push(-1);
    this.readAs.push(undefined);
    this.reader = n;
    this.inputs = 0;
    const depIds: string[] = (this.depIds = []);
    const params = action.params;
    let paths: PathValue[] | undefined;
    for (let i = 0; i < params.length; i++) paths = collectPaths(args.get(params[i]!.name)!, paths);
    // Upstream values referenced by the arguments are read even when the command does not
    // interpolate them, so that every dependency is an input of the script.
    for (let i = 0; i < params.length; i++) this.readRefs(args.get(params[i]!.name)!);
    const command = flat(this.command(action, args));
    const planArgs: Record<string, PlanValue> = {};
    for (let i = 0; i < params.length; i++) setField(planArgs, params[i]!.name, toPlanValue(args.get(params[i]!.name)!));
    let planResources = this.planResources.get(resources);
    if (!planResources) this.planResources.set(resources, (planResources = toPlanResources(resources)));
    // Keyed now when nothing the key covers waits on hashing: the text is then never kept.
    const names = argNamesOf(action);
    const argsText = this.args.write(names.names, names.quoted, args);
    const tail = typeof argsText === "string" ? this.keyTails(action) : undefined;
    const d = this.drafts;
    d.tasks.push({
      id,
      key: tail === undefined ? "" : keyOf(argsText as string, tail),
      action: action.id,
      group,
      deps: (depIds.length ? depIds.sort() : NO_DEPS) as string[],
      args: planArgs,
      command,
      files: NO_FILES as KeyFile[],
      resources: planResources,
      retries: retriesOf(action.retries, resources),
      cache: action.cache,
    });
    d.actions.push(action);
    d.inputPaths.push(paths ? pathsOf(paths) : NO_PATHS);
    d.inputValues.push(paths ?? NO_PATH_VALUES);
    d.argsText.push(tail === undefined ? argsText : undefined);
    return id;
  }

  /**
   * The variable of the task being added that holds `ref`. A fan-in over a sweep reads
   * thousands of upstream outputs, each numbered once: found by the upstream task's place
   * (a ref made by this expansion knows it), then by output and fields.
   */
  private inputVar(ref: Value & { t: "ref" }): string {
    const at = ref.at ?? this.placeOf(ref.task);
    const n = this.reader;
    const first = this.readBy[at] === n ? this.readAs[at] : undefined;
    for (let e = first; e; e = e.next) if (e.output === ref.output && sameFields(e.fields, ref.fields)) return e.name;
    const name = `in_${this.inputs++}`;
    const entry: InputVar = { output: ref.output, fields: ref.fields, name, next: undefined };
    if (first) {
      entry.next = first.next;
      first.next = entry;
    } else {
      this.readBy[at] = n;
      this.readAs[at] = entry;
      this.depIds.push(ref.task);
    }
    return name;
  }

  /** Numbers every upstream value inside `v`, record fields by name as the plan records them, so that `upstreamInputs` numbers them alike. */
  private readRefs(v: Value): void {
    if (v.t === "ref") this.inputVar(v);
    else if (v.t === "list") for (let i = 0; i < v.items.length; i++) this.readRefs(v.items[i]!);
    else if (v.t === "record") for (const k of Object.keys(v.fields).sort()) this.readRefs(v.fields[k]!);
  }

  /** The place in `drafts` of the task `id`, which a task reads. */
  placeOf(id: string): number {
    const at = this.index.get(id);
    if (at !== undefined) return at;
    const tasks = this.drafts.tasks;
    for (; this.indexed < tasks.length; this.indexed++) this.index.set(tasks[this.indexed]!.id, this.indexed);
    return this.index.get(id)!;
  }

  /** The command with every interpolation replaced by quoted words (or `"$in_N"` for upstream values). */
  private command(action: TAction, args: ReadonlyMap<string, Value>): string {
    if (action.impl.kind !== "Shell") return "";
    const template = templateOf(action as TAction & { impl: { kind: "Shell" } });
    let command = template[0] as string;
    for (let i = 1; i < template.length; i += 2) {
      const part = template[i] as TInterpolation;
      command += (part.flag ? this.flagged(part as TInterpolation & { flag: TExpr }, args).join(" ") : (this.words(this.expr(part.expr, args), part.raw) ?? "")) + (template[i + 1] as string);
    }
    return command;
  }

  /** The words of a value joined by spaces; undefined for none (which is not one empty word). */
  private words(v: Value, raw: boolean): string | undefined {
    switch (v.t) {
      case "none":
      case "record":
        return undefined;
      case "list": {
        // Joined once (a fan-in's words are one per upstream value), not appended one by one.
        const words: string[] = [];
        for (let k = 0; k < v.items.length; k++) {
          const w = this.words(v.items[k]!, raw);
          if (w !== undefined) words.push(w);
        }
        return words.length ? words.join(" ") : undefined;
      }
      case "ref":
        // A list or an optional read at run time is a bash array (empty for `none`).
        if (v.type.kind === "List" || v.type.kind === "Optional") return raw ? `\${${this.inputVar(v)}[@]}` : `"\${${this.inputVar(v)}[@]}"`;
        return raw ? `$${this.inputVar(v)}` : `"$${this.inputVar(v)}"`;
      // A number or a boolean is one word bash leaves alone: nothing to quote.
      case "int":
      case "float":
      case "bool":
        return scalarText(v);
      default:
        return raw ? scalarText(v) : shellQuote(scalarText(v));
    }
  }

  /** `flag("--x", v)`: nothing for `none`, false or `[]`; the flag alone for true; else the flag before each value. */
  private flagged(part: TInterpolation & { flag: TExpr }, args: ReadonlyMap<string, Value>): string[] {
    const name = this.expr(part.flag, args);
    const value = this.expr(part.expr, args);
    if (name.t === "ref" || (value.t === "ref" && value.type.kind === "Bool")) {
      const ref = (name.t === "ref" ? name : value) as Value & { t: "ref" };
      this.report(at(Diag.knownAtRunTime(name.t === "ref" ? "the flag's name" : "whether the flag is given", ref.task), part.span, { hint: "a flag's presence is decided when the plan is made" }));
      return [];
    }
    const flag = shellQuote(scalarText(name));
    const list = (w: string | undefined): string[] => (w === undefined ? [] : [w]);
    if (value.t === "bool") return value.v ? [flag] : [];
    if (value.t === "list") return value.items.flatMap((i) => (i.t === "none" ? [] : [flag, ...list(this.words(i, false))]));
    return value.t === "none" ? [] : [flag, ...list(this.words(value, false))];
  }

  expr(e: TExpr, env: ReadonlyMap<string, Value>): Value {
    switch (e.kind) {
      case "Literal":
        if (e.value === null) return { t: "none" };
        if (typeof e.value === "number") return e.type.kind === "Float" ? { t: "float", v: e.value } : { t: "int", v: e.value };
        if (typeof e.value === "boolean") return { t: "bool", v: e.value };
        return { t: "str", v: e.value };
      case "Path":
        return { t: "path", path: relativePosix(this.program.projectDir, e.path), dir: e.type.kind === "Dir", span: e.span, ...(e.label === undefined ? {} : { label: e.label }) };
      case "Var":
        return env.get(e.name) ?? { t: "none" };
      case "Field": {
        const target = this.expr(e.target, env);
        if (target.t === "pending") return target;
        if (target.t === "ref") return intoRef(target, e.name, e.type);
        return target.t === "record" ? (target.fields[e.name] ?? { t: "none" }) : { t: "none" };
      }
      case "Project": {
        const target = this.expr(e.target, env);
        if (target.t === "pending") return target;
        // A list known only at run time (a structured output): the projection is read from it then.
        if (target.t === "ref") return intoRef(target, e.name, e.type);
        return projection(target, e.name, e.type);
      }
      case "Out":
        return { t: "none" };
      default:
        return this.composite(e, env);
    }
  }

  /** A list, a record or an operation: apart from `expr`, whose scope then holds no closure. */
  private composite(e: TExpr, env: ReadonlyMap<string, Value>): Value {
    switch (e.kind) {
      case "List": {
        const items = e.items.map((i) => this.expr(i, env));
        const waits = pendingWaits(items);
        return waits ? { t: "pending", waits } : { t: "list", items };
      }
      case "Record":
        return { t: "record", fields: Object.fromEntries(e.fields.map((f) => [f.name, this.expr(f.value, env)])) };
      default:
        return evaluateOperation(e as TOperation, { evaluate: (x) => this.expr(x, env), report: (d) => this.report(d) });
    }
  }

  /** Reports a mistake found by evaluating, once: a pipeline called in a sweep meets it once per call. */
  report(d: Diagnostic): void {
    if (!this.diagnostics.some((o) => o.message === d.message && o.span === d.span)) this.diagnostics.push(d);
  }
}

/** Whether a pending value may be among `args`: only inside a list or a record, or one itself. */
function mayWait(action: TAction, args: ReadonlyMap<string, Value>): boolean {
  for (let i = 0; i < action.params.length; i++) {
    const t = args.get(action.params[i]!.name)!.t;
    if (t === "pending" || t === "list" || t === "record") return true;
  }
  return false;
}

/** `list.name`: the field of every element. */
function projection(target: Value, name: string, type: Type): Value {
  const items = target.t === "list" ? target.items : [];
  const element = type.kind === "List" ? type.element : type;
  const out = new Array<Value>(items.length);
  for (let k = 0; k < items.length; k++) {
    const i = items[k]!;
    out[k] = i.t === "record" ? (i.fields[name] ?? { t: "none" }) : i.t === "ref" ? intoRef(i, name, element) : { t: "none" };
  }
  return labelledList(out, sameLabels(target));
}

/** A field inside a structured upstream output, read when its task has run. */
function intoRef(ref: Value & { t: "ref" }, name: string, type: Type): Value {
  return { t: "ref", task: ref.task, output: ref.output, type, fields: [...(ref.fields ?? []), name], ...(ref.at === undefined ? {} : { at: ref.at }) };
}

/** A `with` string standing for a path resolves against the file of the pipeline that set it. */
function asParamType(value: Value, type: Type, projectDir: string, file: string): Value {
  const target = type.kind === "Optional" ? type.inner : type;
  if (value.t === "str" && isPathType(target)) {
    return { t: "path", path: relativePosix(projectDir, path.resolve(path.dirname(file), value.v)), dir: target.kind === "Dir" };
  }
  return coerce(value, type);
}

/**
 * The index tuples of a sweep: the cartesian product (last variable fastest) or a zip; one
 * array, changed in place from one combination to the next. Undefined when there are none.
 */
function firstCombination(mode: "product" | "zip", lengths: readonly number[]): number[] | undefined {
  // The lengths of a zip agree: the caller reports a mismatch rather than cut the longer lists.
  if (mode === "zip" ? (lengths[0] ?? 0) === 0 : lengths.some((n) => n === 0)) return undefined;
  return lengths.map(() => 0);
}

function nextCombination(mode: "product" | "zip", lengths: readonly number[], index: number[]): number[] | undefined {
  if (mode === "zip") {
    const i = index[0]! + 1;
    if (i === lengths[0]) return undefined;
    index.fill(i);
    return index;
  }
  let k = lengths.length - 1;
  while (k >= 0 && ++index[k]! === lengths[k]!) index[k--] = 0;
  return k < 0 ? undefined : index;
}

/** The paths inside `v` added to `into`, made when there is a first one. */
type PathValue = Value & { t: "path" };
const NO_PATH_VALUES: readonly PathValue[] = Object.freeze([]);

/** The paths of path values, sorted by code units, each once: a task of a sweep has one, and no set is made for it. */
function pathsOf(values: readonly PathValue[]): string[] {
  if (values.length === 1) return [values[0]!.path];
  const sorted = values.map((v) => v.path).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (n === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]!;
  sorted.length = n;
  return sorted;
}

function collectPaths(v: Value, into: PathValue[] | undefined): PathValue[] | undefined {
  // A first path starts a list of one, not one with room for 16 more: most tasks have one input.
  if (v.t === "path") {
    if (into === undefined) into = [v];
    else into.push(v);
  } else if (v.t === "list") for (let i = 0; i < v.items.length; i++) into = collectPaths(v.items[i]!, into);
  else if (v.t === "record") for (const f of Object.values(v.fields)) into = collectPaths(f, into);
  return into;
}

/**
 * An action's command as the tasks share it: literal text (outputs included, as `"$out/NAME"`)
 * between the interpolations each task evaluates. Made once per action.
 */
type Template = readonly (string | TInterpolation)[];
const templates = new WeakMap<TAction, Template>();

function templateOf(action: TAction & { impl: { kind: "Shell" } }): Template {
  let template = templates.get(action);
  if (template) return template;
  const parts: (string | TInterpolation)[] = [];
  let text = "";
  for (const part of action.impl.parts) {
    if (typeof part === "string") text += part;
    else if (part.expr.kind === "Out") {
      const name = part.expr.name;
      const file = action.outputs.find((o) => o.name === name)?.file ?? name;
      text += part.raw && shellQuote(file) === file ? `$out/${file}` : `"$out/${inDoubleQuotes(file)}"`;
    } else {
      parts.push(text, part);
      text = "";
    }
  }
  parts.push(text);
  templates.set(action, (template = parts));
  return template;
}
