// A declared `.pipe` signature against the TypeScript function that implements it. A
// declaration may be narrower than the function wherever that is safe: it may leave out the
// function's optional properties, and require what the function makes optional.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { Signature } from "./signatures.js";
import type { TsShape } from "./ts-types.js";
import * as Ty from "./types.js";

/** Reports every difference between `declared` and the function, at `used` (the `ts "..."` reference). */
export function compareSignature(declared: Signature, shape: TsShape, used: Span, diagnostics: Diagnostic[]): void {
  const mismatch = (message: string, span: Span, hint: { hint?: string } = {}): void => {
    diagnostics.push(at(Diag.tsSignatureMismatch(message), used, { related: [{ message: "the TypeScript declaration", span }], ...hint }));
  };
  const tsParams = new Map(shape.params.map((p) => [p.name, p]));
  for (const d of declared.params) {
    const t = tsParams.get(d.name);
    if (!t) mismatch(`the function has no parameter \`${d.name}\``, shape.paramSpan, didYouMean(d.name, tsParams.keys()));
    else if (!accepts(d.type, t.type)) mismatch(`parameter \`${d.name}\` is \`${Ty.show(d.type)}\` in .pipe but \`${t.text}\` in TypeScript`, t.span, typeHint(d.type, t.type));
  }
  const declaredParams = new Set(declared.params.map((p) => p.name));
  for (const t of shape.params) {
    if (declaredParams.has(t.name) || t.type.kind === "Optional" || t.type.kind === "Error") continue;
    mismatch(`the function's parameter \`${t.name}\` is not declared`, t.span, { hint: "declare it in the .pipe signature, or make it optional in TypeScript" });
  }
  const tsOutputs = new Map(shape.outputs.map((o) => [o.name, o]));
  for (const d of declared.outputs) {
    const t = tsOutputs.get(d.name);
    if (!t) mismatch(`the function returns no output \`${d.name}\``, shape.returnSpan, didYouMean(d.name, tsOutputs.keys()));
    else if (!accepts(d.type, t.type)) mismatch(`output \`${d.name}\` is \`${Ty.show(d.type)}\` in .pipe but \`${t.text}\` in TypeScript`, t.span, typeHint(d.type, t.type));
  }
  const declaredOutputs = new Set(declared.outputs.map((o) => o.name));
  for (const t of shape.outputs) {
    if (!declaredOutputs.has(t.name)) mismatch(`the function returns \`${t.name}\`, which is not a declared output`, t.span);
  }
}

function typeHint(declared: Ty.Type, ts: Ty.Type): { hint?: string } {
  if (declared.kind === "Optional" && ts.kind !== "Optional") return { hint: "the function requires it: make it optional in TypeScript (`name?: T`), or drop the `?`" };
  const base = ts.kind === "Optional" ? ts.inner : ts;
  if (base.kind === "Float") return { hint: "a TypeScript `number` is declared as `Int` or `Float`" };
  if (base.kind === "String") return { hint: "a TypeScript `string` is declared as `String`, `File` or `Dir`" };
  return {};
}

/** Does the function accept (for a parameter) or produce (for an output) what `declared` says? */
function accepts(declared: Ty.Type, ts: Ty.Type): boolean {
  if (declared.kind === "Error" || ts.kind === "Error") return true;
  if (ts.kind === "Optional") return accepts(declared.kind === "Optional" ? declared.inner : declared, ts.inner);
  switch (declared.kind) {
    case "Int":
    case "Float":
      return ts.kind === "Float";
    case "String":
    case "File":
    case "Dir":
      return ts.kind === "String";
    case "Bool":
      return ts.kind === "Bool";
    case "List":
      return ts.kind === "List" && accepts(declared.element, ts.element);
    case "Record": {
      if (ts.kind !== "Record") return false;
      const names = new Set(declared.fields.map((f) => f.name));
      return (
        declared.fields.every((f) => {
          const mine = Ty.field(ts, f.name);
          return mine !== undefined && accepts(f.type, mine);
        }) && ts.fields.every((f) => names.has(f.name) || f.type.kind === "Optional")
      );
    }
    default:
      return false;
  }
}
