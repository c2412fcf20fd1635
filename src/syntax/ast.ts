// The untyped syntax tree: plain data, a span on every node, no behaviour.
// The checker turns it into the typed tree (src/check/typed.ts); nothing else mutates it.

import type { Span } from "../diagnostics/diagnostic.js";

export interface Identifier {
  readonly kind: "Identifier";
  readonly name: string;
  readonly span: Span;
}

// ---- types ----

export type TypeExpr = NamedType | RecordType | OptionalType;

/** `Int`, `File`, `List[Float]` */
export interface NamedType {
  readonly kind: "NamedType";
  readonly name: Identifier;
  readonly args: readonly TypeExpr[];
  readonly span: Span;
}

export interface RecordType {
  readonly kind: "RecordType";
  readonly fields: readonly FieldType[];
  readonly span: Span;
}

export interface FieldType {
  readonly kind: "FieldType";
  readonly name: Identifier;
  readonly type: TypeExpr;
  readonly span: Span;
}

export interface OptionalType {
  readonly kind: "OptionalType";
  readonly inner: TypeExpr;
  readonly span: Span;
}

// ---- expressions ----

export type Expr =
  | IntLiteral
  | FloatLiteral
  | StringLiteral
  | BoolLiteral
  | NoneLiteral
  | NameRef
  | FieldAccess
  | ListLiteral
  | RecordLiteral
  | Call
  | ForExpr
  | Negate
  | IfExpr
  | Binary
  | Not
  | Index;

export interface IntLiteral {
  readonly kind: "IntLiteral";
  readonly value: number;
  readonly span: Span;
}

export interface FloatLiteral {
  readonly kind: "FloatLiteral";
  readonly value: number;
  readonly span: Span;
}

export interface StringLiteral {
  readonly kind: "StringLiteral";
  readonly value: string;
  readonly span: Span;
}

export interface BoolLiteral {
  readonly kind: "BoolLiteral";
  readonly value: boolean;
  readonly span: Span;
}

export interface NoneLiteral {
  readonly kind: "NoneLiteral";
  readonly span: Span;
}

export interface NameRef {
  readonly kind: "NameRef";
  readonly name: string;
  readonly span: Span;
}

/** `d.data`, `out.model`, `cfg.lr`, `runs.model` (a projection over a list), `common.prepare` */
export interface FieldAccess {
  readonly kind: "FieldAccess";
  readonly target: Expr;
  readonly field: Identifier;
  readonly span: Span;
}

export interface ListLiteral {
  readonly kind: "ListLiteral";
  readonly items: readonly Expr[];
  readonly span: Span;
}

export interface RecordLiteral {
  readonly kind: "RecordLiteral";
  readonly fields: readonly FieldInit[];
  readonly span: Span;
}

/** `name = value`: a record field, a named argument, a `with` or `return` entry. */
export interface FieldInit {
  readonly kind: "FieldInit";
  readonly name: Identifier;
  readonly value: Expr;
  readonly span: Span;
}

/** An argument: named (`lr = 0.1`) or positional (only for built-ins such as `zip` and `raw`). */
export interface Argument {
  readonly kind: "Argument";
  readonly name?: Identifier;
  readonly value: Expr;
  readonly span: Span;
}

export interface Call {
  readonly kind: "Call";
  readonly callee: Expr;
  readonly args: readonly Argument[];
  /** Call-site override: `train(...) resources { gpus = 2 }` */
  readonly resources?: RecordLiteral;
  readonly span: Span;
}

/**
 * `for x in xs, y in ys { body }` (product) or `for (x, y) in zip(xs, ys) { body }` (zip).
 * `sources[i]` feeds `vars[i]`.
 */
export interface ForExpr {
  readonly kind: "ForExpr";
  readonly mode: "product" | "zip";
  readonly vars: readonly Identifier[];
  readonly sources: readonly Expr[];
  readonly body: Expr;
  readonly span: Span;
}

export interface Negate {
  readonly kind: "Negate";
  readonly operand: Expr;
  readonly span: Span;
}

/** `if cond then a else b` */
export interface IfExpr {
  readonly kind: "If";
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
  readonly span: Span;
}

export type BinaryOp = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+";

/** `a + b`, `a == b`, `a and b`; `op` is where the operator is written. */
export interface Binary {
  readonly kind: "Binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

export interface Not {
  readonly kind: "Not";
  readonly operand: Expr;
  readonly span: Span;
}

/** `xs[i]` */
export interface Index {
  readonly kind: "Index";
  readonly target: Expr;
  readonly index: Expr;
  readonly span: Span;
}

// ---- shell templates ----

/** A `shell` command: literal text and `~{expr}` interpolations, in order. */
export interface Template {
  readonly kind: "Template";
  readonly parts: readonly (string | Interpolation)[];
  readonly span: Span;
}

export interface Interpolation {
  readonly kind: "Interpolation";
  readonly expr: Expr;
  readonly span: Span;
}

// ---- declarations ----

export interface Param {
  readonly kind: "Param";
  readonly name: Identifier;
  readonly type: TypeExpr;
  readonly default?: Expr;
  readonly span: Span;
}

export interface OutputDecl {
  readonly kind: "OutputDecl";
  readonly name: Identifier;
  readonly type: TypeExpr;
  readonly span: Span;
}

export type ActionItem = UsesItem | ResourcesItem | EnvItem | ShellItem | SettingItem;

export interface UsesItem {
  readonly kind: "Uses";
  readonly paths: readonly StringLiteral[];
  readonly span: Span;
}

export interface ResourcesItem {
  readonly kind: "Resources";
  readonly record: RecordLiteral;
  readonly span: Span;
}

export interface EnvItem {
  readonly kind: "Env";
  readonly record: RecordLiteral;
  readonly span: Span;
}

export interface ShellItem {
  readonly kind: "Shell";
  readonly template: Template;
  readonly span: Span;
}

/** `retries = N`, `cache = false` */
export interface SettingItem {
  readonly kind: "Setting";
  readonly name: Identifier;
  readonly value: Expr;
  readonly span: Span;
}

/** `= ts "./actions/select.ts#bestIndex"`, or `= py "./select.py#pick"` (a Python function). */
export interface TsImpl {
  readonly kind: "TsImpl";
  readonly language: "ts" | "py";
  readonly module: string;
  readonly exportName: string;
  readonly span: Span;
}

export interface ActionDecl {
  readonly kind: "Action";
  readonly name: Identifier;
  /** Absent when the signature is inferred from a TypeScript implementation. */
  readonly signature?: Signature;
  readonly body: readonly ActionItem[] | TsImpl;
  readonly span: Span;
}

export interface Signature {
  readonly kind: "Signature";
  readonly params: readonly Param[];
  readonly outputs: readonly OutputDecl[];
  readonly span: Span;
}

export type Statement = WithStmt | LetStmt | ReturnStmt;

export interface WithStmt {
  readonly kind: "With";
  readonly fields: readonly FieldInit[];
  readonly span: Span;
}

export interface LetStmt {
  readonly kind: "Let";
  readonly name: Identifier;
  readonly value: Expr;
  readonly span: Span;
}

export interface ReturnStmt {
  readonly kind: "Return";
  readonly fields: readonly FieldInit[];
  readonly span: Span;
}

export interface PipelineDecl {
  readonly kind: "Pipeline";
  readonly name: Identifier;
  readonly signature: Signature;
  readonly body: readonly Statement[];
  readonly span: Span;
}

export interface ImportDecl {
  readonly kind: "Import";
  readonly path: StringLiteral;
  readonly alias?: Identifier;
  readonly span: Span;
}

export type Declaration = ImportDecl | ActionDecl | PipelineDecl;

export interface Module {
  readonly kind: "Module";
  readonly file: string;
  readonly declarations: readonly Declaration[];
  readonly span: Span;
}
