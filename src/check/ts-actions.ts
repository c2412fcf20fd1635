// TypeScript actions: the signature of an exported function, read with ts-morph and either
// checked against the signature declared in `.pipe` or inferred from it; and the list of
// project-local modules an action's source consists of, which the plan hashes into keys.
//
// Types map as: number → Float (a declared Int or Float is accepted), string → String (or a
// declared File/Dir), boolean → Bool, arrays → List, optional properties and `T | undefined`
// → `T?`, object types → records. A declaration may be narrower than the function wherever
// that is safe: it may leave out the function's optional properties, and require what the
// function makes optional. Returned outputs must be scalars (or paths, for File/Dir).

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { Node, Project, Signature as TsSignature, SourceFile, Symbol as TsSymbol, Type as TsType } from "ts-morph";
import type * as Morph from "ts-morph";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Related, type Span } from "../diagnostics/diagnostic.js";
import { describeKind, describeProblem, NOT_REGULAR_HINT, readUserFile, relativePosix, type FileHost } from "../host.js";
import { MAX_SOURCE_BYTES } from "../syntax/index.js";
import type { Signature } from "./signatures.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { isRelative, resolveRelative } from "../runtime/module-resolution.js";
import * as Ty from "./types.js";

// ts-morph carries the TypeScript compiler, a second to load: only programs that have
// TypeScript actions pay for it.
let loaded: typeof Morph | undefined;
const morph = (): typeof Morph => (loaded ??= createRequire(import.meta.url)("ts-morph") as typeof Morph);

export interface TsImplRef {
  /** Absolute path of the module. */
  readonly module: string;
  readonly exportName: string;
  /** Where the `ts "..."` reference is written in the `.pipe` file. */
  readonly span: Span;
}

/** One property of the function's parameter or result, as `.pipe` sees it. */
interface TsProperty {
  readonly name: string;
  /** `Error` when the TypeScript type has no `.pipe` equivalent (already reported). */
  readonly type: Ty.Type;
  /** The TypeScript type as the compiler prints it, for messages. */
  readonly text: string;
  /** The TypeScript declaration. */
  readonly span: Span;
}

interface TsShape {
  readonly params: readonly TsProperty[];
  readonly outputs: readonly TsProperty[];
  /** The function's parameter (or the function itself when it has none). */
  readonly paramSpan: Span;
  /** The function's return type annotation (or the function itself when it has none). */
  readonly returnSpan: Span;
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
  compare(declared, shape, impl, diagnostics);
  return declared;
}

/**
 * The absolute paths of `module` and of every module it imports through relative
 * specifiers, transitively, sorted. Specifiers resolve by the rule the runtime loader
 * follows (module-resolution.ts), so the list is what the action runs.
 */
export function tsSourceFiles(module: string): string[] {
  const found = new Set<string>();
  const visit = (file: string): void => {
    if (found.has(file)) return;
    // What is not a regular file is left out (the checker reports the module itself); a
    // source too large to scan for imports still counts by its content.
    const read = readUserFile(file, MAX_SOURCE_BYTES);
    if (!read.ok) {
      if (read.problem === "too large") found.add(file);
      return;
    }
    const text = read.text;
    found.add(file);
    if (!/\.[cm]?[jt]sx?$/.test(file)) return; // e.g. an imported JSON file: content only
    for (const ref of morph().ts.preProcessFile(text, true, true).importedFiles) {
      const target = resolveRelative(ref.fileName, path.dirname(file));
      if (target) visit(target);
    }
  };
  visit(path.resolve(module));
  return [...found].sort();
}

// ---- reading the module ----

let project: Project | undefined;
/** The extensions TypeScript can read a resolved project module as (`Morph.ts.Extension`). */
const tsExtensions = [".d.ts", ".ts", ".mts", ".js", ".mjs", ".json"] as Morph.ts.Extension[];
/** Per module: the files it was read from and their stamps, to notice edits cheaply. */
const readAt = new Map<string, { readonly files: readonly string[]; readonly stamps: readonly string[] }>();

function stamp(file: string): string {
  const s = fs.statSync(file, { throwIfNoEntry: false });
  return s ? `${s.mtimeMs}:${s.size}` : "missing";
}

/**
 * The parsed module, from one Project shared by the process so that many actions in one
 * module (and the lib files every module needs) are parsed once. A module is re-read only
 * when it or one of its local imports changed on disk; ts-morph resolves imports from the
 * disk itself, which is why the freshness check looks there rather than at the host.
 */
function sourceFileOf(module: string): SourceFile {
  project ??= new (morph().Project)({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      allowJs: false,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      target: morph().ts.ScriptTarget.ES2022,
      module: morph().ts.ModuleKind.NodeNext,
      moduleResolution: morph().ts.ModuleResolutionKind.NodeNext,
      // Node's globals come from @types/node, found the way tsc finds them; the DOM lib
      // would only slow down every check.
      lib: ["lib.es2023.d.ts"],
    },
    // Project modules resolve by the runtime loader's rule, so that the types read here
    // come from the files the task runs; packages resolve as TypeScript resolves them.
    resolutionHost: (host, options) => ({
      resolveModuleNames: (names, containingFile) =>
        names.map((name) => {
          if (!isRelative(name)) return morph().ts.resolveModuleName(name, containingFile, options(), host).resolvedModule;
          const file = resolveRelative(name, path.dirname(containingFile));
          const extension = file && tsExtensions.find((e) => file.endsWith(e));
          return file && extension ? { resolvedFileName: file, extension, isExternalLibraryImport: false } : undefined;
        }),
    }),
  });
  const existing = project.getSourceFile(module);
  const previous = readAt.get(module);
  if (existing && previous?.files.every((f, i) => stamp(f) === previous.stamps[i])) return existing;
  const files = tsSourceFiles(module);
  const stamps = files.map(stamp);
  for (const file of files) project.getSourceFile(file)?.refreshFromFileSystemSync();
  readAt.set(module, { files, stamps });
  return project.getSourceFile(module) ?? project.addSourceFileAtPath(module);
}

function tsSpan(node: Node): Span {
  // `a: number;` is shown without its separator.
  const end = (morph().Node.isPropertySignature(node) && node.getTypeNode()) || node;
  return { file: node.getSourceFile().getFilePath(), start: node.getStart(), end: end.getEnd() };
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

interface ReadContext {
  readonly fn: string;
  /** Where types are read from, and the fallback span when a declaration lives in a library. */
  readonly at: Node;
  readonly used: Related[];
  readonly diagnostics: Diagnostic[];
}

function returnTypeNode(signature: TsSignature): Node | undefined {
  const decl = signature.getDeclaration();
  return morph().Node.isReturnTyped(decl) ? decl.getReturnTypeNode() : undefined;
}

/** The declaration to point at: the user's own, not one inside a `.d.ts` library. */
function declarationOf(symbol: TsSymbol, fallback: Node): Node {
  const decl = symbol.getValueDeclaration() ?? symbol.getDeclarations()[0];
  return decl && !decl.getSourceFile().isDeclarationFile() ? decl : fallback;
}

/** The properties of the whole parameter or result type, each mapped to a `.pipe` type. */
function propertiesOf(type: TsType, node: Node, whole: string, what: "parameter" | "output", cx: ReadContext): TsProperty[] {
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

// ---- comparing with a declared signature ----

function compare(declared: Signature, shape: TsShape, impl: TsImplRef, diagnostics: Diagnostic[]): void {
  const mismatch = (message: string, span: Span, hint: { hint?: string } = {}): void => {
    diagnostics.push(at(Diag.tsSignatureMismatch(message), impl.span, { related: [{ message: "the TypeScript declaration", span }], ...hint }));
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
