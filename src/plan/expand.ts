// Expansion: evaluates the entry pipeline into task drafts. Sweeps become one task per
// combination, nested pipelines are inlined under their binding's name, `with` values flow
// down to every call that declares the parameter and does not receive it, defaults fill
// the rest. Each draft has its command rendered; keys are computed afterwards (keys.ts),
// once the external files are hashed.

import path from "node:path";
import type { Resources, TAction, TCall, TExpr, TInterpolation, TPipeline, TypedProgram } from "../check/typed.js";
import { zipMismatch } from "../check/pipelines.js";
import { show, isPathType, type Type } from "../check/types.js";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import { relativePosix } from "../host.js";
import type { TaskInput } from "./plan.js";
import { mergeResources } from "./resources.js";
import { shellQuote } from "../shell/quote.js";
import { coerce, labelText, scalarText, type Value } from "./values.js";
import { evaluateOperation } from "./evaluate.js";
import { computeResources } from "./computed-resources.js";

export interface TaskDraft {
  readonly id: string;
  readonly group: string;
  readonly action: TAction;
  readonly args: ReadonlyMap<string, Value>;
  readonly deps: readonly string[];
  readonly command: string;
  readonly inputs: readonly Omit<TaskInput, "key">[];
  /** External inputs: project-relative paths whose content the key covers. */
  readonly inputPaths: readonly string[];
  readonly resources: Resources;
}

interface WithValue {
  readonly value: Value;
  /** The file of the pipeline that set it: a string standing for a path resolves there. */
  readonly file: string;
}

export class Expander {
  readonly drafts: TaskDraft[] = [];
  /** Mistakes found only once values are known: a `zip` over lists of different lengths. */
  readonly diagnostics: Diagnostic[] = [];
  private readonly ids = new Set<string>();

  /** @param maxTasks expansion stops once there are more tasks than this (the caller reports it). */
  constructor(
    private readonly program: TypedProgram,
    private readonly maxTasks = Infinity,
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
      const labels = new Map<string, number>();
      const lists = v.sources.map((s) => this.expr(s, env)).map((l) => (l.t === "list" ? l.items : []));
      if (v.mode === "zip") {
        const mismatch = zipMismatch(v.zip ?? v.span, lists.map((l, k) => ({ length: l.length, span: v.sources[k]!.span })));
        if (mismatch) {
          this.report(mismatch);
          env.set(letStmt.name, { t: "list", items: [] });
          continue;
        }
      }
      // One environment for the whole loop: a call reads it and keeps nothing of it.
      const loopEnv = new Map(env);
      for (const at of combinations(v.mode, lists.map((l) => l.length))) {
        if (this.drafts.length > this.maxTasks) break;
        const combo = at.map((i, k) => lists[k]![i]!);
        v.vars.forEach((name, i) => loopEnv.set(name, combo[i]!));
        // Values known only at run time (upstream outputs) are labelled by their position.
        let label = `[${v.vars.map((name, i) => `${name}=${hasRef(combo[i]!) ? `#${at[i]}` : labelText(combo[i]!)}`).join(",")}]`;
        const seen = (labels.get(label) ?? 0) + 1;
        labels.set(label, seen);
        if (seen > 1) label += `#${seen}`;
        results.push(this.call(v.body, loopEnv, innerWiths, id + label, letGroup, resources));
      }
      env.set(letStmt.name, { t: "list", items: results });
    }
    return new Map(p.returns.map((r) => [r.name, coerce(this.expr(r.value, env), p.outputs.find((o) => o.name === r.name)!.type)]));
  }

  private call(c: TCall, env: ReadonlyMap<string, Value>, withs: ReadonlyMap<string, WithValue>, id: string, group: string, outer: Resources): Value {
    const callee = c.callee.kind === "Action" ? this.program.actions.get(c.callee.id)! : this.program.pipelines.get(c.callee.id)!;
    const explicit = new Map(c.args.map((a) => [a.name, this.expr(a.value, env)]));
    const args = new Map<string, Value>();
    for (const param of callee.params) {
      const given = explicit.get(param.name);
      const inherited = given === undefined ? withs.get(param.name) : undefined;
      let value = given ?? inherited?.value;
      if (value === undefined && param.default) value = this.expr(param.default, new Map());
      args.set(param.name, asParamType(value ?? { t: "none" }, param.type, this.program.projectDir, inherited?.file ?? callee.file));
    }
    const resources = mergeResources(outer, computeResources(c.resources, c.computedResources, (e) => this.expr(e, env), c.span, id, (d) => this.report(d)));
    if (callee.kind === "Pipeline") {
      const outputs = this.pipeline(callee, args, withs, id, resources, group);
      return { t: "record", fields: Object.fromEntries(outputs) };
    }
    const own = computeResources(callee.resources, callee.computedResources, (e) => this.expr(e, args), c.span, id, (d) => this.report(d));
    id = this.addTask(callee, args, id, group, mergeResources(own, resources));
    return { t: "record", fields: Object.fromEntries(callee.outputs.map((o) => [o.name, { t: "ref", task: id, output: o.name, type: o.type }])) };
  }

  /** Adds the task; returns its id, made unique if sweep labels made of odd strings collide. */
  private addTask(action: TAction, args: Map<string, Value>, wanted: string, group: string, resources: Resources): string {
    let id = wanted;
    // `for s in ["x]/t[k=y", ...]` over a nested sweep can spell another combination's id.
    for (let n = 2; this.ids.has(id); n++) id = `${wanted}#${n}`;
    this.ids.add(id);
    const inputs: Omit<TaskInput, "key">[] = [];
    // A fan-in over a sweep reads thousands of upstream outputs: look each up by the ref
    // itself (one object per task output, shared by every use), then by task and output.
    const byRef = new Map<Value, string>();
    const byName = new Map<string, string>();
    const inputVar = (ref: Value & { t: "ref" }): string => {
      let name = byRef.get(ref);
      if (name !== undefined) return name;
      const at = inputId(ref.task, ref.output, ref.fields);
      name = byName.get(at);
      if (name === undefined) {
        name = `in_${inputs.length}`;
        inputs.push({ var: name, task: ref.task, output: ref.output, type: show(ref.type), ...(ref.fields ? { fields: ref.fields } : {}) });
        byName.set(at, name);
      }
      byRef.set(ref, name);
      return name;
    };
    const paths = new Set<string>();
    for (const v of args.values()) collectPaths(v, paths);
    // Upstream values referenced by the arguments are read even when the command does not
    // interpolate them, so that every dependency is an input of the script.
    for (const v of args.values()) forEachRef(v, inputVar);
    const command = renderCommand(action, (e) => this.expr(e, args), inputVar, (d) => this.report(d));
    const deps = inputs.length ? [...new Set(inputs.map((i) => i.task))].sort() : [];
    this.drafts.push({
      id,
      group,
      action,
      args,
      deps,
      command,
      inputs,
      inputPaths: paths.size ? [...paths].sort() : [],
      resources,
    });
    return id;
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
        if (target.t === "ref") return intoRef(target, e.name, e.type);
        return target.t === "record" ? (target.fields[e.name] ?? { t: "none" }) : { t: "none" };
      }
      case "Project": {
        const target = this.expr(e.target, env);
        // A list known only at run time (a structured output): the projection is read from it then.
        if (target.t === "ref") return intoRef(target, e.name, e.type);
        const items = target.t === "list" ? target.items : [];
        const element = e.type.kind === "List" ? e.type.element : e.type;
        return { t: "list", items: items.map((i) => (i.t === "record" ? (i.fields[e.name] ?? { t: "none" }) : i.t === "ref" ? intoRef(i, e.name, element) : { t: "none" })) };
      }
      case "List":
        return { t: "list", items: e.items.map((i) => this.expr(i, env)) };
      case "Record":
        return { t: "record", fields: Object.fromEntries(e.fields.map((f) => [f.name, this.expr(f.value, env)])) };
      case "Out":
        return { t: "none" };
      default:
        return evaluateOperation(e, { evaluate: (x) => this.expr(x, env), report: (d) => this.report(d) });
    }
  }

  /** Reports a mistake found by evaluating, once: a pipeline called in a sweep meets it once per call. */
  report(d: Diagnostic): void {
    if (!this.diagnostics.some((o) => o.message === d.message && o.span === d.span)) this.diagnostics.push(d);
  }
}

/** A field inside a structured upstream output, read when its task has run. */
function intoRef(ref: Value & { t: "ref" }, name: string, type: Type): Value {
  return { t: "ref", task: ref.task, output: ref.output, type, fields: [...(ref.fields ?? []), name] };
}

/** What identifies an upstream value a task reads: its task, output and fields (plan.ts numbers inputs by the same). */
export function inputId(task: string, output: string, fields: readonly string[] | undefined): string {
  return fields ? `${task}\n${output}\n${fields.join(".")}` : `${task}\n${output}`;
}

/** A `with` string standing for a path resolves against the file of the pipeline that set it. */
function asParamType(value: Value, type: Type, projectDir: string, file: string): Value {
  const target = type.kind === "Optional" ? type.inner : type;
  if (value.t === "str" && isPathType(target)) {
    return { t: "path", path: relativePosix(projectDir, path.resolve(path.dirname(file), value.v)), dir: target.kind === "Dir" };
  }
  return coerce(value, type);
}

/** Index tuples of a sweep: the cartesian product (last variable fastest) or a zip. */
function* combinations(mode: "product" | "zip", lengths: number[]): Generator<number[]> {
  if (mode === "zip") {
    // The lengths agree: the caller reports a mismatch rather than cut the longer lists.
    const n = lengths[0] ?? 0;
    for (let i = 0; i < n; i++) yield lengths.map(() => i);
    return;
  }
  if (lengths.some((n) => n === 0)) return;
  const index = lengths.map(() => 0);
  for (;;) {
    yield [...index];
    let k = lengths.length - 1;
    while (k >= 0 && ++index[k]! === lengths[k]!) index[k--] = 0;
    if (k < 0) return;
  }
}

function hasRef(v: Value): boolean {
  return v.t === "ref" || (v.t === "list" && v.items.some(hasRef)) || (v.t === "record" && Object.values(v.fields).some(hasRef));
}

function collectPaths(v: Value, into: Set<string>): void {
  if (v.t === "path") into.add(v.path);
  else if (v.t === "list") for (const i of v.items) collectPaths(i, into);
  else if (v.t === "record") for (const f of Object.values(v.fields)) collectPaths(f, into);
}

function forEachRef(v: Value, visit: (ref: Value & { t: "ref" }) => void): void {
  if (v.t === "ref") visit(v);
  else if (v.t === "list") for (const i of v.items) forEachRef(i, visit);
  // Fields by name, as the plan records them, so that `upstreamInputs` numbers them alike.
  else if (v.t === "record") for (const k of Object.keys(v.fields).sort()) forEachRef(v.fields[k]!, visit);
}

/** The command with every interpolation replaced by quoted words (or `"$in_N"` for upstream values). */
function renderCommand(action: TAction, evaluate: (e: TExpr) => Value, inputVar: (ref: Value & { t: "ref" }) => string, report: (d: Diagnostic) => void): string {
  if (action.impl.kind !== "Shell") return "";
  const words = (v: Value, raw: boolean): string[] => {
    switch (v.t) {
      case "none":
        return [];
      case "list":
        return v.items.flatMap((i) => words(i, raw));
      case "record":
        return [];
      case "ref":
        // A list or an optional read at run time is a bash array (empty for `none`).
        if (v.type.kind === "List" || v.type.kind === "Optional") return [raw ? `\${${inputVar(v)}[@]}` : `"\${${inputVar(v)}[@]}"`];
        return [raw ? `$${inputVar(v)}` : `"$${inputVar(v)}"`];
      default:
        return [raw ? scalarText(v) : shellQuote(scalarText(v))];
    }
  };
  /** `flag("--x", v)`: nothing for `none`, false or `[]`; the flag alone for true; else the flag before each value. */
  const flagged = (part: TInterpolation & { flag: TExpr }): string[] => {
    const name = evaluate(part.flag);
    const value = evaluate(part.expr);
    if (name.t === "ref" || (value.t === "ref" && value.type.kind === "Bool")) {
      const ref = (name.t === "ref" ? name : value) as Value & { t: "ref" };
      report(at(Diag.knownAtRunTime(name.t === "ref" ? "the flag's name" : "whether the flag is given", ref.task), part.span, { hint: "a flag's presence is decided when the plan is made" }));
      return [];
    }
    const flag = shellQuote(scalarText(name));
    if (value.t === "bool") return value.v ? [flag] : [];
    if (value.t === "list") return value.items.flatMap((i) => (i.t === "none" ? [] : [flag, ...words(i, false)]));
    return value.t === "none" ? [] : [flag, ...words(value, false)];
  };
  return action.impl.parts
    .map((part) => {
      if (typeof part === "string") return part;
      if (part.expr.kind === "Out") return part.raw ? `$out/${part.expr.name}` : `"$out/${part.expr.name}"`;
      if (part.flag) return flagged(part as TInterpolation & { flag: TExpr }).join(" ");
      return words(evaluate(part.expr), part.raw).join(" ");
    })
    .join("");
}
