// Signatures: parameter and output types of every action and pipeline, resolved once, so
// that calls can be checked before (or without) checking the callee's body.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";
import { checkExpr, isConstant, reportUnlessAssignable, Scope, type ExprContext } from "./expressions.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { TOutput, TParam } from "./typed.js";
import * as Ty from "./types.js";

export interface Signature {
  readonly params: readonly TParam[];
  readonly outputs: readonly TOutput[];
}

export function resolveType(t: A.TypeExpr, diagnostics: Diagnostic[]): Ty.Type {
  switch (t.kind) {
    case "OptionalType":
      return Ty.optionalOf(resolveType(t.inner, diagnostics));
    case "RecordType": {
      const seen = new Set<string>();
      const fields: Ty.RecordField[] = [];
      for (const f of t.fields) {
        if (seen.has(f.name.name)) diagnostics.push(at(Diag.duplicateField(f.name.name), f.name.span));
        seen.add(f.name.name);
        fields.push({ name: f.name.name, type: resolveType(f.type, diagnostics) });
      }
      return Ty.recordOf(fields);
    }
    case "NamedType": {
      const name = t.name.name;
      if (name === "List") {
        if (t.args.length !== 1) {
          diagnostics.push(at(Diag.unknownType(`List with ${t.args.length} type arguments`), t.span, { hint: "write `List[T]`" }));
          return Ty.ErrorT;
        }
        return Ty.listOf(resolveType(t.args[0]!, diagnostics));
      }
      const primitive = Object.hasOwn(Ty.primitives, name) ? Ty.primitives[name as Ty.PrimitiveKind] : undefined;
      if (!primitive) {
        diagnostics.push(at(Diag.unknownType(name), t.name.span, didYouMean(name, [...Object.keys(Ty.primitives), "List"])));
        return Ty.ErrorT;
      }
      if (t.args.length > 0) diagnostics.push(at(Diag.unknownType(`${name}[...]`), t.span, { hint: `\`${name}\` takes no type arguments` }));
      return primitive;
    }
  }
}

/** `files` lets a default use `glob` (a pipeline's parameters, not an action's: see builtins.ts). */
export function resolveSignature(sig: A.Signature, dir: string, diagnostics: Diagnostic[], outputRule: "action" | "pipeline", files?: ExprContext["files"]): Signature {
  const names = new Map<string, Span>();
  const unique = (id: A.Identifier, what: string): boolean => {
    const previous = names.get(id.name);
    if (previous) {
      diagnostics.push(at(Diag.duplicateDefinition(what, id.name), id.span, { related: [{ message: "first declared here", span: previous }] }));
      return false;
    }
    names.set(id.name, id.span);
    return true;
  };
  const params: TParam[] = [];
  // Parameters are in scope only so that `b: Int = a` is told it is not a constant,
  // rather than that `a` is unknown.
  const siblings = new Scope();
  for (const p of sig.params) {
    const type = resolveType(p.type, diagnostics);
    if (!unique(p.name, "parameter")) continue;
    siblings.define(p.name.name, { type, kind: "param" });
    let value;
    if (p.default) {
      const before = diagnostics.length;
      value = checkExpr(p.default, { scope: siblings, dir, diagnostics, ...(files ? { files } : {}) }, type);
      if (!isConstant(value)) {
        if (diagnostics.length === before) diagnostics.push(at(Diag.badDefault(), p.default.span, { hint: "a default cannot refer to a parameter" }));
      } else reportUnlessAssignable(value, type, diagnostics);
    }
    params.push({ name: p.name.name, type, ...(value ? { default: value } : {}), span: p.span });
  }
  names.clear();
  const outputs: TOutput[] = [];
  for (const o of sig.outputs) {
    const type = resolveType(o.type, diagnostics);
    if (!unique(o.name, "output")) continue;
    if (outputRule === "action" && !Ty.isOutputType(type)) {
      diagnostics.push(at(Diag.badOutputType(Ty.show(type)), o.type.span, { hint: "an action's outputs are Int, Float, Bool, String, File, Dir, lists and records of the first four, List[File] or List[Dir]" }));
    }
    outputs.push({ name: o.name.name, type, span: o.span });
  }
  return { params, outputs };
}

/** A parameter that must be given: no default and not optional. */
export function isRequired(p: TParam): boolean {
  return p.default === undefined && p.type.kind !== "Optional";
}
