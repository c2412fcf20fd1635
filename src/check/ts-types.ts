// TypeScript types as .pipe types: number → Float (a declared Int or Float is accepted),
// string → String (or a declared File/Dir), boolean → Bool, arrays → List, optional
// properties and `T | undefined` → `T?`, object types → records. The properties of a
// function's parameter or result, each mapped, or reported when it has no equivalent;
// returned outputs must be scalars (or paths, for File/Dir).

import type { Node, Symbol as TsSymbol, Type as TsType } from "ts-morph";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Related, type Span } from "../diagnostics/diagnostic.js";
import { tsSpan } from "./ts-project.js";
import * as Ty from "./types.js";

/** One property of the function's parameter or result, as `.pipe` sees it. */
export interface TsProperty {
  readonly name: string;
  /** `Error` when the TypeScript type has no `.pipe` equivalent (already reported). */
  readonly type: Ty.Type;
  /** The TypeScript type as the compiler prints it, for messages. */
  readonly text: string;
  /** The TypeScript declaration. */
  readonly span: Span;
}

export interface TsShape {
  readonly params: readonly TsProperty[];
  readonly outputs: readonly TsProperty[];
  /** The function's parameter (or the function itself when it has none). */
  readonly paramSpan: Span;
  /** The function's return type annotation (or the function itself when it has none). */
  readonly returnSpan: Span;
}

export interface ReadContext {
  readonly fn: string;
  /** Where types are read from, and the fallback span when a declaration lives in a library. */
  readonly at: Node;
  readonly used: Related[];
  readonly diagnostics: Diagnostic[];
}

/** The declaration to point at: the user's own, not one inside a `.d.ts` library. */
export function declarationOf(symbol: TsSymbol, fallback: Node): Node {
  const decl = symbol.getValueDeclaration() ?? symbol.getDeclarations()[0];
  return decl && !decl.getSourceFile().isDeclarationFile() ? decl : fallback;
}

/** The properties of the whole parameter or result type, each mapped to a `.pipe` type. */
export function propertiesOf(type: TsType, node: Node, whole: string, what: "parameter" | "output", cx: ReadContext): TsProperty[] {
  if (!isPlainObject(type)) {
    const hint = what === "parameter" ? "take one object parameter whose properties are the action's parameters" : "return an object whose properties are the outputs";
    cx.diagnostics.push(at(Diag.tsUnsupportedType(`${whole} \`${cx.fn}\``, type.getText(cx.at)), tsSpan(node), { related: cx.used, hint }));
    return [];
  }
  return type.getProperties().map((symbol) => {
    const decl = declarationOf(symbol, node);
    const propType = symbol.getTypeAtLocation(cx.at);
    const text = propType.getText(cx.at);
    let bad: TsType | undefined;
    let mapped = mapType(propType, cx.at, (t) => (bad ??= t));
    if (symbol.isOptional()) mapped = Ty.optionalOf(mapped);
    const unfit = bad ? bad.getText(cx.at) : what === "output" && !Ty.isOutputType(mapped) ? text : undefined;
    if (unfit !== undefined) {
      const hint = what === "output" ? "an action's outputs are numbers, strings (File and Dir outputs are paths) or booleans" : undefined;
      cx.diagnostics.push(at(Diag.tsUnsupportedType(`${what} \`${symbol.getName()}\``, unfit), tsSpan(decl), { related: cx.used, ...(hint ? { hint } : {}) }));
      mapped = Ty.ErrorT;
    }
    return { name: symbol.getName(), type: mapped, text, span: tsSpan(decl) };
  });
}

/** An object type that reads as a record: named data properties, nothing callable or indexed. */
function isPlainObject(type: TsType): boolean {
  if (type.isIntersection()) return type.getIntersectionTypes().every(isPlainObject);
  return (
    type.isObject() &&
    !type.isArray() &&
    !type.isTuple() &&
    !type.isClass() &&
    type.getCallSignatures().length === 0 &&
    type.getConstructSignatures().length === 0 &&
    !type.getStringIndexType() &&
    !type.getNumberIndexType()
  );
}

/** The `.pipe` type of a TypeScript type; reports the innermost unsupported type to `fail`. */
function mapType(type: TsType, where: Node, fail: (bad: TsType) => void): Ty.Type {
  if (type.isNumber() || type.isNumberLiteral()) return Ty.Float;
  if (type.isString() || type.isStringLiteral() || type.isTemplateLiteral()) return Ty.Str;
  if (type.isBoolean() || type.isBooleanLiteral()) return Ty.Bool;
  if (type.isUnion()) return mapUnion(type, where, fail);
  if (type.isArray()) return Ty.listOf(mapType(type.getArrayElementTypeOrThrow(), where, fail));
  // An object with methods (Date, Map, a class instance) is behaviour, not a record.
  if (isPlainObject(type) && type.getProperties().every((s) => s.getTypeAtLocation(where).getCallSignatures().length === 0)) {
    const fields = type.getProperties().map((symbol) => {
      const t = mapType(symbol.getTypeAtLocation(where), where, fail);
      return { name: symbol.getName(), type: symbol.isOptional() ? Ty.optionalOf(t) : t };
    });
    return Ty.recordOf(fields);
  }
  fail(type);
  return Ty.ErrorT;
}

/**
 * `T | undefined` is `T?`; a union of one kind (`"a" | "b"`, `true | false`) is that kind;
 * a union of different kinds has no `.pipe` equivalent.
 */
function mapUnion(type: TsType, where: Node, fail: (bad: TsType) => void): Ty.Type {
  const members = type.getUnionTypes();
  const defined = members.filter((m) => !m.isUndefined());
  const mapped = defined.map((m) => mapType(m, where, fail));
  const first = mapped[0];
  if (!first || mapped.some((m) => Ty.show(m) !== Ty.show(first))) {
    fail(type);
    return Ty.ErrorT;
  }
  return defined.length < members.length ? Ty.optionalOf(first) : first;
}
