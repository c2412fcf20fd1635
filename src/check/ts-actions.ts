// TypeScript actions, the checker's entry for them: the signature of the exported function
// a `ts "module.ts#name"` reference names, read with ts-morph (ts-project.ts) and mapped to
// .pipe types (ts-types.ts), then either checked against the signature declared in `.pipe`
// (ts-signature.ts) or inferred from it. The files an action's source consists of, which
// the plan hashes into keys, are listed by ts-sources.ts.

import path from "node:path";
import type { Node, Signature as TsSignature } from "ts-morph";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Related, type Span } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { MAX_SOURCE_BYTES, describeKind, describeProblem, NOT_REGULAR_HINT, relativePosix, type FileHost } from "../host.js";
import type { Signature } from "./signatures.js";
import { morph } from "./ts-morph.js";
import { sourceFileOf, tsSpan } from "./ts-project.js";
import { compareSignature } from "./ts-signature.js";
import { declarationOf, propertiesOf, type ReadContext, type TsProperty, type TsShape } from "./ts-types.js";

export interface TsImplRef {
  /** Absolute path of the module. */
  readonly module: string;
  readonly exportName: string;
  /** Where the `ts "..."` reference is written in the `.pipe` file. */
  readonly span: Span;
}

const noSignature: Signature = { params: [], outputs: [] };

/**
 * The signature of a TypeScript action: the declared one, checked against the function,
 * or the one inferred from it when none is declared.
 */
export function tsSignature(impl: TsImplRef, declared: Signature | undefined, host: FileHost, diagnostics: Diagnostic[]): Signature {
  const shape = readShape(impl, host, diagnostics);
  if (!shape) return declared ?? noSignature;
  if (!declared) {
    const strip = ({ name, type, span }: TsProperty) => ({ name, type, span });
    return { params: shape.params.map(strip), outputs: shape.outputs.map(strip) };
  }
  compareSignature(declared, shape, impl.span, diagnostics);
  return declared;
}

/** The function's parameter and result properties, or undefined after reporting why not. */
function readShape(impl: TsImplRef, host: FileHost, diagnostics: Diagnostic[]): TsShape | undefined {
  const shown = relativePosix(path.dirname(impl.span.file), impl.module);
  // Checked here, before ts-morph reads it: a FIFO would block, a huge file would be parsed.
  const read = host.readFile(impl.module, MAX_SOURCE_BYTES);
  if (!read.ok) {
    if (read.problem === "missing" || (read.problem === "not a file" && read.kind === "dir")) diagnostics.push(at(Diag.tsModuleNotFound(shown), impl.span, { hint: "the path is relative to this .pipe file" }));
    else if (read.problem === "not a file") diagnostics.push(at(Diag.notRegularFile("TypeScript module", shown, describeKind(read.kind)), impl.span, { hint: NOT_REGULAR_HINT }));
    else diagnostics.push(at(Diag.tsModuleNotFound(shown), impl.span, { hint: describeProblem("it", read) }));
    return undefined;
  }
  const exported = sourceFileOf(impl.module).getExportedDeclarations();
  const decl = exported.get(impl.exportName)?.[0];
  const signatures = decl?.getType().getCallSignatures() ?? [];
  if (!decl || signatures.length === 0) {
    const functions = [...exported].filter(([, ds]) => ds[0]?.getType().getCallSignatures().length).map(([name]) => name);
    const extra = decl ? { hint: `\`${impl.exportName}\` is exported, but it is not a function` } : didYouMean(impl.exportName, functions);
    diagnostics.push(at(Diag.tsExportNotFound(impl.exportName, shown), impl.span, extra));
    return undefined;
  }
  const name: Node = (morph().Node.hasName(decl) ? decl.getNameNode() : undefined) ?? decl;
  const used: Related[] = [{ message: "used by this action", span: impl.span }];
  if (signatures.length > 1) {
    diagnostics.push(at(Diag.tsOverloaded(impl.exportName, signatures.length), tsSpan(name), { related: used }));
    return undefined;
  }
  const signature = signatures[0]!;
  const params = signature.getParameters();
  if (params.length > 1) {
    diagnostics.push(at(Diag.tsParameterCount(impl.exportName, params.length), tsSpan(name), { related: used, hint: "take one object parameter: `fn({ a, b }: { a: number; b: string })`" }));
    return undefined;
  }
  const paramNode = params[0] && declarationOf(params[0], name);
  const returnNode = returnTypeNode(signature) ?? name;
  const cx: ReadContext = { fn: impl.exportName, at: name, used, diagnostics };
  const paramType = params[0]?.getTypeAtLocation(name).getNonNullableType();
  const result = signature.getReturnType();
  const resolved = result.getAwaitedType() ?? result;
  return {
    params: paramType ? propertiesOf(paramType, paramNode!, "the parameter of", "parameter", cx) : [],
    outputs: resolved.isVoid() || resolved.isUndefined() ? [] : propertiesOf(resolved, returnNode, "the result of", "output", cx),
    paramSpan: tsSpan(paramNode ?? name),
    returnSpan: tsSpan(returnNode),
  };
}

function returnTypeNode(signature: TsSignature): Node | undefined {
  const decl = signature.getDeclaration();
  return morph().Node.isReturnTyped(decl) ? decl.getReturnTypeNode() : undefined;
}
