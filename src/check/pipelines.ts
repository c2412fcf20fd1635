// Checking a pipeline's body: `with`, `let` bindings of calls and sweeps, and `return`.
// Every call is recorded so that `with` reachability and recursion can be analysed after.

import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";
import { resolveCallee, type Callable, type ModuleScope } from "./declarations.js";
import { checkExpr, checkFieldInits, reportUnlessAssignable, Scope, type ExprContext } from "./expressions.js";
import { checkResources } from "./resources.js";
import { staticLength } from "./operators.js";
import type { Signature } from "./signatures.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { reportUnusedLets } from "./unused-lets.js";
import type { TCall, TExpr, TField, TFor, TLet, TPipeline } from "./typed.js";
import * as Ty from "./types.js";

export interface CalleeInfo extends Signature {
  readonly kind: "Action" | "Pipeline";
  readonly id: string;
  readonly name: string;
}

/** A call as the `with` analysis needs it. */
export interface CallSite {
  readonly callee: CalleeInfo;
  readonly explicit: ReadonlySet<string>;
  /** A positional argument was reported: which parameters it meant is unknown. */
  readonly positional: boolean;
  readonly span: Span;
}

export interface PipelineContext {
  readonly id: string;
  readonly file: string;
  readonly module: ModuleScope;
  readonly scopes: ReadonlyMap<string, ModuleScope>;
  readonly callees: ReadonlyMap<string, CalleeInfo>;
  readonly diagnostics: Diagnostic[];
  /** The project's files, for `glob`. */
  readonly files?: ExprContext["files"];
}

export function checkPipeline(decl: A.PipelineDecl, sig: Signature, cx: PipelineContext): { pipeline: TPipeline; calls: CallSite[] } {
  const diagnostics = cx.diagnostics;
  const dir = path.dirname(cx.file);
  const files = cx.files ? { files: cx.files } : {};
  const paramScope = new Scope();
  for (const p of sig.params) paramScope.define(p.name, { type: p.type, kind: "param" });
  const scope = new Scope(paramScope);
  const calls: CallSite[] = [];
  const withs: TField[] = [];
  const lets: TLet[] = [];
  let returns: TField[] | undefined;
  let returnSpan: Span | undefined;

  for (const stmt of decl.body) {
    switch (stmt.kind) {
      case "With":
        // `with` values may use the pipeline's parameters only: they apply to every call.
        for (const f of checkFieldInits(stmt.fields, { scope: paramScope, dir, diagnostics, ...files }, () => undefined)) {
          const previous = withs.find((w) => w.name === f.name);
          if (previous) diagnostics.push(at(Diag.duplicateField(f.name), f.span, { related: [{ message: "first set here", span: previous.span }] }));
          else withs.push(f);
        }
        break;
      case "Let": {
        const name = stmt.name.name;
        const value = checkBinding(stmt.value, { scope, dir, diagnostics, ...files }, cx, calls);
        if (scope.lookup(name)) diagnostics.push(at(Diag.duplicateDefinition("name", name), stmt.name.span));
        else if (value) {
          scope.define(name, { type: value.type, kind: "let" });
          lets.push({ name, value, span: stmt.span });
        } else scope.define(name, { type: Ty.ErrorT, kind: "let" });
        break;
      }
      case "Return": {
        if (returns) {
          diagnostics.push(at(Diag.duplicateItem("`return`"), stmt.span));
          break;
        }
        returnSpan = stmt.span;
        const declared = new Map(sig.outputs.map((o) => [o.name, o.type]));
        returns = checkFieldInits(stmt.fields, { scope, dir, diagnostics, ...files }, (n) => declared.get(n));
        for (const r of returns) {
          const type = declared.get(r.name);
          if (!type) diagnostics.push(at(Diag.unknownReturn(r.name, decl.name.name), r.span, didYouMean(r.name, declared.keys())));
          else reportUnlessAssignable(r.value, type, diagnostics);
        }
        break;
      }
    }
  }
  reportUnusedLets(decl, new Set(lets.map((l) => l.name)), diagnostics);
  for (const o of sig.outputs) {
    if (!returns?.some((r) => r.name === o.name)) {
      diagnostics.push(at(Diag.missingReturn(o.name), returnSpan ?? decl.name.span, { hint: `add \`return (${o.name} = ...)\`` }));
    }
  }
  const pipeline: TPipeline = { kind: "Pipeline", id: cx.id, file: cx.file, name: decl.name.name, params: sig.params, outputs: sig.outputs, withs, lets, returns: returns ?? [], span: decl.span };
  return { pipeline, calls };
}

function checkBinding(value: A.Expr, ex: ExprContext, cx: PipelineContext, calls: CallSite[]): TCall | TFor | undefined {
  if (value.kind === "Call") return checkCall(value, ex, cx, calls);
  if (value.kind === "ForExpr") return checkFor(value, ex, cx, calls);
  ex.diagnostics.push(at(Diag.callExpected(), value.span, { hint: "`let` binds the outputs of a call or of a `for` sweep of calls" }));
  return undefined;
}

function checkFor(e: A.ForExpr, ex: ExprContext, cx: PipelineContext, calls: CallSite[]): TFor | undefined {
  const diagnostics = ex.diagnostics;
  let sources: TExpr[] = [];
  if (e.mode === "zip") {
    const zip = e.sources[0]!;
    if (zip.kind !== "Call" || zip.callee.kind !== "NameRef" || zip.callee.name !== "zip") {
      diagnostics.push(at(Diag.zipExpected(), zip.span));
      return undefined;
    }
    for (const arg of zip.args) if (arg.name) diagnostics.push(at(Diag.namedZipArgument(), arg.span, { hint: "write `zip(xs, ys)`" }));
    sources = zip.args.map((a) => checkExpr(a.value, ex));
    if (sources.length !== e.vars.length) diagnostics.push(at(Diag.zipArity(e.vars.length, sources.length), zip.span));
    // Literal lists are known here; lists from parameters or sweeps are checked when planned.
    else if (sources.every((s) => staticLength(s) !== undefined)) {
      const mismatch = zipMismatch(zip.span, sources.map((s) => ({ length: staticLength(s)!, span: s.span })));
      if (mismatch) diagnostics.push(mismatch);
    }
  } else {
    sources = e.sources.map((s) => checkExpr(s, ex));
  }
  const inner = new Scope(ex.scope);
  e.vars.forEach((v, i) => {
    const source = sources[i];
    let element: Ty.Type = Ty.ErrorT;
    if (source?.type.kind === "List" && source.type.element.kind === "Never") {
      diagnostics.push(at(Diag.emptyListType(), source.span, { hint: `give \`${v.name}\` a list of values, or a parameter of type \`List[T]\`` }));
    } else if (source?.type.kind === "List") element = source.type.element;
    else if (source && source.type.kind !== "Error") diagnostics.push(at(Diag.notIterable(Ty.show(source.type)), source.span));
    if (inner.lookup(v.name)) diagnostics.push(at(Diag.duplicateDefinition("name", v.name), v.span));
    inner.define(v.name, { type: element, kind: "loop" });
  });
  if (e.body.kind !== "Call") {
    diagnostics.push(at(Diag.callExpected(), e.body.span, { hint: "the body of a `for` is one call" }));
    return undefined;
  }
  const body = checkCall(e.body, { ...ex, scope: inner }, cx, calls);
  if (!body) return undefined;
  const zipSpan = e.mode === "zip" ? { zip: e.sources[0]!.span } : {};
  return { kind: "For", mode: e.mode, vars: e.vars.map((v) => v.name), sources, body, type: Ty.listOf(body.type), span: e.span, ...zipSpan };
}

/**
 * The error for a `zip` over lists of different lengths, or undefined when they agree:
 * `zip` pairs values one to one and never drops the ones a shorter list has no partner for.
 */
export function zipMismatch(zip: Span, lists: readonly { readonly length: number; readonly span: Span }[]): Diagnostic | undefined {
  if (lists.every((l) => l.length === lists[0]!.length)) return undefined;
  const related = lists.map((l) => ({ message: `${l.length} ${l.length === 1 ? "value" : "values"}`, span: l.span }));
  return at(Diag.zipLengths(lists.map((l) => l.length)), zip, { hint: "`zip` pairs values one to one and drops none: give the lists one length", related });
}

function checkCall(call: A.Call, ex: ExprContext, cx: PipelineContext, calls: CallSite[]): TCall | undefined {
  const diagnostics = ex.diagnostics;
  const callable = calleeOf(call, ex, cx);
  const callee = callable && cx.callees.get(callable.id);
  const params = new Map(callee?.params.map((p) => [p.name, p]) ?? []);
  const args: TField[] = [];
  const explicit = new Set<string>();
  for (const arg of call.args) {
    if (!arg.name) {
      // With no callee found (already reported) there is no telling which names were meant.
      if (callable) diagnostics.push(at(Diag.positionalArgument(callable.decl.name.name), arg.span, positionalHint(arg, callee)));
      checkExpr(arg.value, ex);
      continue;
    }
    const name = arg.name.name;
    const param = params.get(name);
    const value = checkExpr(arg.value, ex, param?.type);
    if (explicit.has(name)) {
      diagnostics.push(at(Diag.duplicateArgument(name), arg.name.span));
      continue;
    }
    explicit.add(name);
    if (!callee) continue;
    if (!param) {
      diagnostics.push(at(Diag.unknownArgument(name, callee.name), arg.name.span, didYouMean(name, params.keys())));
      continue;
    }
    if (reportUnlessAssignable(value, param.type, diagnostics)) args.push({ name, value, span: arg.span });
  }
  const { resources, computed } = call.resources ? checkResources(call.resources, ex) : { resources: {}, computed: [] };
  if (!callee) return undefined;
  calls.push({ callee, explicit, positional: call.args.some((a) => !a.name), span: call.span });
  args.sort((a, b) => callee.params.findIndex((p) => p.name === a.name) - callee.params.findIndex((p) => p.name === b.name));
  const type = Ty.recordOf(callee.outputs.map((o) => ({ name: o.name, type: o.type })));
  return { kind: "Call", callee: { kind: callee.kind, id: callee.id }, args, resources, ...(computed.length ? { computedResources: computed } : {}), type, span: call.span };
}

/** The callable a call names; a value or the built-in `raw` in callee position is reported here. */
function calleeOf(call: A.Call, ex: ExprContext, cx: PipelineContext): Callable | undefined {
  const c = call.callee;
  const local =
    c.kind === "NameRef" && !cx.module.visible.has(c.name) ? c.name
    : c.kind === "FieldAccess" && c.target.kind === "NameRef" && !cx.module.aliases.has(c.target.name) ? c.target.name
    : undefined;
  const binding = local === undefined ? undefined : ex.scope.lookup(local);
  if (binding) {
    const what = { param: "a parameter", let: "bound to the outputs of a call", loop: "a loop variable" }[binding.kind];
    const shown = c.kind === "FieldAccess" ? `${local}.${c.field.name}` : local!;
    ex.diagnostics.push(at(Diag.notCallable(shown), c.span, { hint: `\`${local}\` is ${what}; only actions and pipelines can be called` }));
    return undefined;
  }
  if (c.kind === "NameRef" && c.name === "raw" && !cx.module.visible.has("raw")) {
    ex.diagnostics.push(at(Diag.badRawUse(), call.span));
    return undefined;
  }
  return resolveCallee(c, cx.module, cx.scopes, ex.diagnostics);
}

function positionalHint(arg: A.Argument, callee: CalleeInfo | undefined): { hint?: string } {
  const name = arg.value.kind === "NameRef" ? arg.value.name : callee?.params[0]?.name;
  return name ? { hint: `write \`${name} = ...\`` } : {};
}
