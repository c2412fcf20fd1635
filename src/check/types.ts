// The types of `.pipe` and the one assignability relation every phase uses.

export type Type =
  | { readonly kind: "Int" }
  | { readonly kind: "Float" }
  | { readonly kind: "Bool" }
  | { readonly kind: "String" }
  | { readonly kind: "File" }
  | { readonly kind: "Dir" }
  | { readonly kind: "List"; readonly element: Type }
  | { readonly kind: "Optional"; readonly inner: Type }
  | { readonly kind: "Record"; readonly fields: readonly RecordField[] }
  /** The type of `none`. */
  | { readonly kind: "None" }
  /** The element type of `[]`: assignable to every type. */
  | { readonly kind: "Never" }
  /** Stands in after an error has been reported, so one mistake is reported once. */
  | { readonly kind: "Error" };

export interface RecordField {
  readonly name: string;
  readonly type: Type;
}

export type ScalarKind = "Int" | "Float" | "Bool" | "String";
export type PrimitiveKind = ScalarKind | "File" | "Dir";

export const Int: Type = { kind: "Int" };
export const Float: Type = { kind: "Float" };
export const Bool: Type = { kind: "Bool" };
export const Str: Type = { kind: "String" };
export const FileT: Type = { kind: "File" };
export const DirT: Type = { kind: "Dir" };
export const NoneT: Type = { kind: "None" };
export const Never: Type = { kind: "Never" };
export const ErrorT: Type = { kind: "Error" };

export const primitives: Readonly<Record<PrimitiveKind, Type>> = { Int, Float, Bool, String: Str, File: FileT, Dir: DirT };

export const listOf = (element: Type): Type => ({ kind: "List", element });
export const optionalOf = (inner: Type): Type => (inner.kind === "Optional" ? inner : { kind: "Optional", inner });
export const recordOf = (fields: RecordField[]): Type => ({
  kind: "Record",
  fields: [...fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
});

export function field(type: Type, name: string): Type | undefined {
  return type.kind === "Record" ? type.fields.find((f) => f.name === name)?.type : undefined;
}

/** May a value of type `from` be used where `to` is expected? `Int` widens to `Float`; nothing else converts. */
export function assignable(from: Type, to: Type): boolean {
  if (from.kind === "Error" || to.kind === "Error" || from.kind === "Never") return true;
  if (to.kind === "Optional") return from.kind === "None" || assignable(from.kind === "Optional" ? from.inner : from, to.inner);
  switch (from.kind) {
    case "Int":
      return to.kind === "Int" || to.kind === "Float";
    case "List":
      return to.kind === "List" && assignable(from.element, to.element);
    case "Record":
      return (
        to.kind === "Record" &&
        to.fields.length === from.fields.length &&
        to.fields.every((f) => {
          const mine = field(from, f.name);
          return mine !== undefined && assignable(mine, f.type);
        })
      );
    default:
      return from.kind === to.kind;
  }
}

/** The least type both values fit, for list literals: `[1, 2.5]` is `List[Float]`. */
export function join(a: Type, b: Type): Type | undefined {
  if (a.kind === "Error" || b.kind === "Error") return ErrorT;
  if (assignable(a, b)) return b;
  if (assignable(b, a)) return a;
  if (a.kind === "None") return optionalOf(b);
  if (b.kind === "None") return optionalOf(a);
  if (a.kind === "List" && b.kind === "List") {
    const element = join(a.element, b.element);
    return element && listOf(element);
  }
  if (a.kind === "Record" && b.kind === "Record" && a.fields.length === b.fields.length) {
    const fields: RecordField[] = [];
    for (const f of a.fields) {
      const other = field(b, f.name);
      const joined = other && join(f.type, other);
      if (!joined) return undefined;
      fields.push({ name: f.name, type: joined });
    }
    return recordOf(fields);
  }
  return undefined;
}

export function show(type: Type): string {
  switch (type.kind) {
    case "List":
      return `List[${show(type.element)}]`;
    case "Optional":
      return `${show(type.inner)}?`;
    case "Record":
      return `{${type.fields.map((f) => `${f.name}: ${show(f.type)}`).join(", ")}}`;
    case "None":
      return "none";
    case "Never":
      return "List element of []";
    case "Error":
      return "?";
    default:
      return type.kind;
  }
}

/** Types a command may interpolate: scalars, paths, and optional or list forms of them. */
export function interpolatable(type: Type): boolean {
  switch (type.kind) {
    case "Optional":
      return interpolatable(type.inner);
    case "List":
      return type.element.kind !== "List" && interpolatable(type.element);
    case "Record":
    case "None":
      return false;
    default:
      return true;
  }
}

/**
 * Types an action may declare as an output: what a command can write to a path. A scalar or
 * a path; a list or a record of scalars, nested, optionals inside (written as JSON); a
 * `List[File]` or `List[Dir]` (a directory of entries).
 */
export function isOutputType(type: Type): boolean {
  if (type.kind === "List" && (type.element.kind === "File" || type.element.kind === "Dir")) return true;
  if (type.kind === "List" || type.kind === "Record") return isJsonData(type);
  return ["Int", "Float", "Bool", "String", "File", "Dir", "Error"].includes(type.kind);
}

/** Scalars, and lists, records and optionals of them: what a JSON document can hold. */
function isJsonData(type: Type): boolean {
  switch (type.kind) {
    case "List":
      return isJsonData(type.element);
    case "Record":
      return type.fields.every((f) => isJsonData(f.type));
    case "Optional":
      return isJsonData(type.inner);
    default:
      return ["Int", "Float", "Bool", "String", "Error", "Never"].includes(type.kind);
  }
}

export function isPathType(type: Type): boolean {
  return type.kind === "File" || type.kind === "Dir";
}
