// What `with` can reach. A `with` in pipeline P supplies a parameter to every call below P,
// transitively through nested pipelines, unless the call passes it explicitly or an inner
// `with` shadows it. From the recorded call sites this module derives:
//   - recursion (a pipeline that calls itself, directly or not), an error;
//   - unused `with` names (a warning) and `with` values of the wrong type (an error);
//   - required parameters that no argument, default or enclosing `with` supplies.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type { CallSite } from "./pipelines.js";
import { isRequired } from "./signatures.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { TField } from "./typed.js";
import * as Ty from "./types.js";

export interface PipelineFacts {
  readonly id: string;
  readonly name: string;
  readonly withs: readonly TField[];
  readonly calls: readonly CallSite[];
}

interface Slot {
  readonly type: Ty.Type;
  readonly callee: string;
}

interface Need {
  readonly name: string;
  readonly callee: string;
  readonly span: Span;
}

export function analyseWith(facts: ReadonlyMap<string, PipelineFacts>, diagnostics: Diagnostic[]): void {
  const recursive = findRecursion(facts, diagnostics);
  const follow = (call: CallSite) => (call.callee.kind === "Pipeline" && !recursive.has(call) ? facts.get(call.callee.id) : undefined);

  // Slots by parameter name, then by callee and parameter: a parameter reached by many
  // calls is one slot, so the sets stay small however wide or deep the program is.
  const reachMemo = new Map<string, Map<string, Map<string, Slot>>>();
  const reach = (p: PipelineFacts): Map<string, Map<string, Slot>> => {
    const memo = reachMemo.get(p.id);
    if (memo) return memo;
    const slots = new Map<string, Map<string, Slot>>();
    reachMemo.set(p.id, slots);
    const add = (name: string, key: string, slot: Slot) => {
      let byKey = slots.get(name);
      if (!byKey) slots.set(name, (byKey = new Map()));
      if (!byKey.has(key)) byKey.set(key, slot);
    };
    for (const call of p.calls) {
      for (const param of call.callee.params) {
        if (!call.explicit.has(param.name)) add(param.name, `${call.callee.id}\0${param.name}`, { type: param.type, callee: call.callee.name });
      }
      const inner = follow(call);
      if (!inner) continue;
      for (const [name, innerSlots] of reach(inner)) {
        if (!inner.withs.some((w) => w.name === name)) for (const [key, s] of innerSlots) add(name, key, s);
      }
    }
    return slots;
  };

  const needMemo = new Map<string, Need[]>();
  const needs = (p: PipelineFacts): Need[] => {
    const memo = needMemo.get(p.id);
    if (memo) return memo;
    const result: Need[] = [];
    needMemo.set(p.id, result);
    const supplied = (name: string) => p.withs.some((w) => w.name === name);
    for (const call of p.calls) {
      for (const param of call.callee.params) {
        if (isRequired(param) && !call.positional && !call.explicit.has(param.name) && !supplied(param.name)) {
          result.push({ name: param.name, callee: call.callee.name, span: call.span });
        }
      }
      const inner = follow(call);
      if (inner) for (const n of needs(inner)) if (!supplied(n.name)) result.push(n);
    }
    return result;
  };

  for (const p of facts.values()) {
    const slots = reach(p);
    for (const w of p.withs) {
      const targets = slots.get(w.name);
      if (!targets) {
        const near = didYouMean(w.name, slots.keys());
        diagnostics.push(at(Diag.unusedWith(w.name), w.span, near.hint ? near : { hint: "no call below this pipeline declares a parameter of that name without receiving it" }));
        continue;
      }
      // One error per expected type: the same mistake is not repeated for every callee.
      const reported = new Set<string>();
      for (const slot of targets.values()) {
        if (withFits(w, slot.type) || reported.has(Ty.show(slot.type))) continue;
        reported.add(Ty.show(slot.type));
        diagnostics.push(at(Diag.withTypeMismatch(w.name, Ty.show(w.value.type), Ty.show(slot.type), slot.callee), w.value.span));
      }
    }
  }

  // Needs left over at a pipeline that nothing calls can never be met.
  const called = new Set<string>();
  for (const p of facts.values()) for (const c of p.calls) if (c.callee.kind === "Pipeline") called.add(c.callee.id);
  const reported = new Set<string>();
  for (const p of facts.values()) {
    if (called.has(p.id)) continue;
    for (const n of needs(p)) {
      const key = `${n.span.file}:${n.span.start}:${n.name}`;
      if (reported.has(key)) continue;
      reported.add(key);
      diagnostics.push(at(Diag.missingArgument(n.name, n.callee), n.span, { hint: `pass \`${n.name} = ...\`, or set it with \`with { ${n.name} = ... }\` in a calling pipeline` }));
    }
  }
}

/** A string literal in `with` may stand for a path, as it may as an argument. */
function withFits(w: TField, type: Ty.Type): boolean {
  if (Ty.assignable(w.value.type, type)) return true;
  const target = type.kind === "Optional" ? type.inner : type;
  return w.value.kind === "Literal" && typeof w.value.value === "string" && Ty.isPathType(target);
}

/**
 * How deep pipeline calls may nest (`main` calling `a` calling `b` is 3): far past a real
 * program, and well inside the stack of the passes that follow calls down, this module's
 * and the plan's expansion, which overflowed at about 2,000.
 */
export const MAX_PIPELINE_DEPTH = 200;

/**
 * Call sites that close a cycle of pipeline calls, or nest pipelines past
 * MAX_PIPELINE_DEPTH; each is reported once. A depth-first walk with a stack of its own,
 * not recursion: a chain of calls is as long as the program.
 */
function findRecursion(facts: ReadonlyMap<string, PipelineFacts>, diagnostics: Diagnostic[]): Set<CallSite> {
  const closing = new Set<CallSite>();
  const state = new Map<string, "active" | "done">();
  /** The most pipelines on a chain of calls from a finished pipeline, itself included. */
  const height = new Map<string, number>();
  const stack: { readonly p: PipelineFacts; next: number }[] = [];
  const tooDeep = (call: CallSite) => {
    closing.add(call);
    diagnostics.push(at(Diag.pipelinesTooDeep(MAX_PIPELINE_DEPTH), call.span, { hint: "this call is one too many; a chain this long is better a sweep, or a loop inside one task" }));
  };
  for (const root of [...facts.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (state.has(root.id)) continue;
    state.set(root.id, "active");
    stack.push({ p: root, next: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const p = top.p;
      if (top.next === p.calls.length) {
        let h = 1;
        for (const call of p.calls) if (call.callee.kind === "Pipeline" && !closing.has(call)) h = Math.max(h, 1 + (height.get(call.callee.id) ?? 0));
        height.set(p.id, h);
        state.set(p.id, "done");
        stack.pop();
        continue;
      }
      const call = p.calls[top.next++]!;
      if (call.callee.kind !== "Pipeline") continue;
      const s = state.get(call.callee.id);
      const inner = facts.get(call.callee.id);
      if (s === "active") {
        closing.add(call);
        const names = stack.map((e) => e.p.name);
        const cycle = [...names.slice(names.indexOf(call.callee.name)), call.callee.name].join(" → ");
        diagnostics.push(at(Diag.recursivePipeline(cycle), call.span));
      } else if (!inner) {
        continue;
      } else if (s === "done") {
        if (stack.length + height.get(inner.id)! > MAX_PIPELINE_DEPTH) tooDeep(call);
      } else if (stack.length + 1 > MAX_PIPELINE_DEPTH) {
        tooDeep(call);
      } else {
        state.set(inner.id, "active");
        stack.push({ p: inner, next: 0 });
      }
    }
  }
  return closing;
}
