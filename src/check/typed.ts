// The typed tree: what the checker hands to the plan compiler. Names are resolved
// (callees are ids, not identifiers), types are attached, constants are folded, path
// literals are absolute, and resources are in plan units (MiB, seconds). Plain data, like
// the untyped tree.

import type { Span } from "../diagnostics/diagnostic.js";
import type { BinaryOp } from "../syntax/ast.js";
import type { Type } from "./types.js";

export interface TypedProgram {
  /** Absolute directory of the entry file: commands run here, paths are shown relative to it. */
  readonly projectDir: string;
  readonly entryFile: string;
  readonly actions: ReadonlyMap<string, TAction>;
  readonly pipelines: ReadonlyMap<string, TPipeline>;
  /** Pipelines declared in the entry file, by name: the candidates for `--entry`. */
  readonly entryPipelines: ReadonlyMap<string, string>;
}

export interface TParam {
  readonly name: string;
  readonly type: Type;
  readonly default?: TExpr;
  readonly span: Span;
}

export interface TOutput {
  readonly name: string;
  readonly type: Type;
  readonly span: Span;
}

/** Resource requests, constant-folded and in plan units. Every field is optional: the config fills the gaps. */
export interface Resources {
  readonly cpus?: number;
  readonly gpus?: number;
  /** Mebibytes, read from `"8G"` by the checker. */
  readonly mem?: number;
  /** Seconds, read from `"2h"` by the checker. */
  readonly time?: number;
  readonly partition?: string;
  readonly account?: string;
  readonly qos?: string;
  readonly extra?: readonly string[];
}

export interface TAction {
  readonly kind: "Action";
  /** `path/relative/to/project.pipe#name`, unique in the program. */
  readonly id: string;
  readonly file: string;
  readonly name: string;
  readonly params: readonly TParam[];
  readonly outputs: readonly TOutput[];
  readonly impl: TShell | TTs | TPy;
  readonly uses: readonly { readonly path: string; readonly span: Span }[];
  readonly resources: Resources;
  /** Resources computed from the parameters, laid over `resources` for each task. */
  readonly computedResources?: readonly TResource[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly retries: number;
  readonly cache: boolean;
  readonly span: Span;
}

export interface TShell {
  readonly kind: "Shell";
  readonly parts: readonly (string | TInterpolation)[];
}

export interface TInterpolation {
  readonly expr: TExpr;
  /** `~{raw(x)}`: spliced unquoted. */
  readonly raw: boolean;
  /** `~{flag("--x", x)}`: the flag's name, rendered before the value (or alone for a `Bool`). */
  readonly flag?: TExpr;
  readonly span: Span;
}

export interface TTs {
  readonly kind: "Ts";
  /** Absolute path of the TypeScript module. */
  readonly module: string;
  readonly exportName: string;
  readonly span: Span;
}

export interface TPy {
  readonly kind: "Py";
  /** Absolute path of the Python module. */
  readonly module: string;
  readonly function: string;
  readonly span: Span;
  /** The module and the project modules it imports, transitively: absolute, sorted. */
  readonly sources: readonly string[];
}

export interface TPipeline {
  readonly kind: "Pipeline";
  readonly id: string;
  /** Absolute path of the file it is declared in (string `with` values used as paths resolve here). */
  readonly file: string;
  readonly name: string;
  readonly params: readonly TParam[];
  readonly outputs: readonly TOutput[];
  /** `with` values in source order; a later one for the same name replaces an earlier one. */
  readonly withs: readonly TField[];
  readonly lets: readonly TLet[];
  readonly returns: readonly TField[];
  readonly span: Span;
}

export interface TField {
  readonly name: string;
  readonly value: TExpr;
  readonly span: Span;
}

export interface TLet {
  readonly name: string;
  readonly value: TCall | TFor;
  readonly span: Span;
}

export interface TCall {
  readonly kind: "Call";
  readonly callee: { readonly kind: "Action" | "Pipeline"; readonly id: string };
  /** Explicit arguments only; defaults and `with` values are applied by the plan compiler. */
  readonly args: readonly TField[];
  readonly resources: Resources;
  /** Call-site resources computed from the pipeline's values, laid over `resources`. */
  readonly computedResources?: readonly TResource[];
  readonly type: Type;
  readonly span: Span;
}

export interface TFor {
  readonly kind: "For";
  readonly mode: "product" | "zip";
  readonly vars: readonly string[];
  readonly sources: readonly TExpr[];
  readonly body: TCall;
  readonly type: Type;
  readonly span: Span;
  /** The `zip(...)` call of a zip loop, where a mismatch of lengths is reported. */
  readonly zip?: Span;
}

export type TExpr =
  | { readonly kind: "Literal"; readonly value: number | string | boolean | null; readonly type: Type; readonly span: Span }
  /**
   * A string literal used as a `File` or `Dir`: absolute path, resolved against its file's
   * directory. A file found by `glob` carries its file name as the label of a sweep over it.
   */
  | { readonly kind: "Path"; readonly path: string; readonly type: Type; readonly span: Span; readonly label?: string }
  /** A parameter, a loop variable or a `let` binding. */
  | { readonly kind: "Var"; readonly name: string; readonly type: Type; readonly span: Span }
  | { readonly kind: "Field"; readonly target: TExpr; readonly name: string; readonly type: Type; readonly span: Span }
  /** `runs.model`: a field of every element of a list. */
  | { readonly kind: "Project"; readonly target: TExpr; readonly name: string; readonly type: Type; readonly span: Span }
  | { readonly kind: "List"; readonly items: readonly TExpr[]; readonly type: Type; readonly span: Span }
  | { readonly kind: "Record"; readonly fields: readonly TField[]; readonly type: Type; readonly span: Span }
  /** `out.NAME` inside a command. */
  | { readonly kind: "Out"; readonly name: string; readonly type: Type; readonly span: Span }
  | TOperation;

/** The expressions of src/check/operators.ts and builtins.ts, evaluated by src/plan/evaluate.ts. */
export type TOperation =
  | { readonly kind: "If"; readonly cond: TExpr; readonly then: TExpr; readonly else: TExpr; readonly type: Type; readonly span: Span }
  | { readonly kind: "Binary"; readonly op: BinaryOp; readonly left: TExpr; readonly right: TExpr; readonly type: Type; readonly span: Span }
  | { readonly kind: "Not"; readonly operand: TExpr; readonly type: Type; readonly span: Span }
  | { readonly kind: "Index"; readonly target: TExpr; readonly index: TExpr; readonly type: Type; readonly span: Span }
  | { readonly kind: "Builtin"; readonly name: BuiltinName; readonly args: readonly TExpr[]; readonly type: Type; readonly span: Span };

/** The built-in functions that make a value (`glob` is resolved by the checker into a list of paths). */
export type BuiltinName = "len" | "range" | "flatten" | "basename" | "stem";

/** A resource given by an expression (`cpus = threads`), evaluated for each task. */
export interface TResource {
  readonly name: "cpus" | "gpus" | "mem" | "time" | "partition" | "account" | "qos" | "extra";
  readonly value: TExpr;
  readonly span: Span;
}
