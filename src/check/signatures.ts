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
    const file = o.file && outputFile(o.file, type, outputRule, diagnostics);
    outputs.push({ name: o.name.name, type, ...(file ? { file } : {}), span: o.span });
  }
  if (outputRule === "action") reportSharedFiles(sig.outputs, outputs, diagnostics);
  return { params, outputs };
}

/**
 * The file name an output declares (`model: File = "model.npz"`), when it is a valid one: a
 * plain name, since all of a task's outputs are files of one directory (beside meta.json).
 */
function outputFile(e: A.Expr, type: Ty.Type, rule: "action" | "pipeline", diagnostics: Diagnostic[]): string | undefined {
  if (rule === "pipeline") {
    diagnostics.push(at(Diag.pipelineOutputFile(), e.span, { hint: "a pipeline's outputs are stored by the tasks that make them; name the file in the action" }));
    return undefined;
  }
  if (e.kind !== "StringLiteral") {
    diagnostics.push(at(Diag.outputFileNotString(), e.span));
    return undefined;
  }
  const name = e.value;
  const reason = name === "" ? "is empty" : name.includes("/") ? "holds a `/`" : name === "." || name === ".." ? "names a directory, not a file in it" : name === META_FILE ? "is the name of the task's record" : name.includes("\0") ? "holds a NUL byte" : undefined;
  if (reason) {
    diagnostics.push(at(Diag.badOutputFile(name, reason), e.span, { hint: "a plain file name: all of a task's outputs are files of one directory" }));
    return undefined;
  }
  const stored = type.kind === "List" || type.kind === "Record" || type.kind === "File" || type.kind === "Dir" || type.kind === "Error";
  if (!stored) {
    diagnostics.push(at(Diag.scalarOutputFile(Ty.show(type)), e.span, { hint: "File, Dir, list and record outputs name their file; pipe stores a scalar itself" }));
    return undefined;
  }
  return name;
}

/** The record of a task beside its outputs in the store (store/layout.ts, `META`). */
const META_FILE = "meta.json";

/** Two outputs stored as one file: a declared name equal to another's, or to another output's name. */
function reportSharedFiles(decls: readonly A.OutputDecl[], outputs: readonly TOutput[], diagnostics: Diagnostic[]): void {
  const byFile = new Map<string, TOutput>();
  for (const o of outputs) {
    const file = o.file ?? o.name;
    const first = byFile.get(file);
    if (!first) {
      byFile.set(file, o);
      continue;
    }
    const decl = decls.find((d) => d.name.name === o.name);
    const span = decl?.file?.span ?? o.span;
    diagnostics.push(at(Diag.sameOutputFile(first.name, o.name, file), span, { hint: "give each output a file name of its own", related: [{ message: `\`${first.name}\` is stored as "${file}"`, span: first.span }] }));
  }
}

/** A parameter that must be given: no default and not optional. */
export function isRequired(p: TParam): boolean {
  return p.default === undefined && p.type.kind !== "Optional";
}
