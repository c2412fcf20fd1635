// Python actions, the checker's entry for them: the signature of the function a
// `py "module.py#function"` reference names, as the analyser read it (py-analyse.ts), with
// its hints mapped to .pipe types: int → Int, float → Float, bool → Bool, str → String,
// Path → File (`Annotated[Path, "dir"]` → Dir), list[T] → List[T], `T | None` and
// Optional[T] → T?, TypedDict and @dataclass classes → records. A parameter with a
// default is optional. The return annotation is a record whose fields are the outputs
// (`-> None`: no outputs). The signature is inferred from the function, or a declared one
// is checked against it (a declared `Dir` may stand for a plain `Path`).

import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Related, type Span } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { describeKind, describeProblem, NOT_REGULAR_HINT, relativePosix, stdlibDir, type FileHost } from "../host.js";
import { MAX_SOURCE_BYTES } from "../syntax/index.js";
import type { PyAnalysis, PyFunction, PySpan, PyType } from "./py-analyse.js";
import type { Signature } from "./signatures.js";
import * as Ty from "./types.js";

export interface PyImplRef {
  /** Absolute path of the module. */
  readonly module: string;
  readonly function: string;
  /** Where the `py "..."` reference is written in the `.pipe` file. */
  readonly span: Span;
}

interface PyProperty {
  readonly name: string;
  readonly type: Ty.Type;
  /** The hint as written, for messages. */
  readonly text: string;
  readonly span: Span;
  /** A parameter's hint is a plain `Path`, which a declared `Dir` may stand for. */
  readonly plainPath: boolean;
}

const noSignature: Signature = { params: [], outputs: [] };

/** The module a `py "..."` reference names: `std/...` in the standard library (as imports are), else relative to the `.pipe` file. */
export function pyModulePath(dir: string, spec: string): string {
  return spec.startsWith("std/") ? path.join(stdlibDir, spec.slice(4)) : path.resolve(dir, spec);
}

const toSpan = (s: PySpan): Span => ({ file: s[0], start: s[1], end: s[2] });

/** The module as messages name it: `std/...` for the standard library's, else relative to the `.pipe` file. */
function shownModule(impl: PyImplRef): string {
  const std = relativePosix(stdlibDir, impl.module);
  return std.startsWith("../") || path.isAbsolute(std) ? relativePosix(path.dirname(impl.span.file), impl.module) : `std/${std}`;
}

/** Whether the module can be handed to the analyser; reports why not at the reference. */
export function pyModuleReadable(impl: PyImplRef, host: FileHost, diagnostics: Diagnostic[]): boolean {
  const shown = shownModule(impl);
  const read = host.readFile(impl.module, MAX_SOURCE_BYTES);
  if (read.ok) return true;
  if (read.problem === "missing" || (read.problem === "not a file" && read.kind === "dir")) diagnostics.push(at(Diag.pyModuleNotFound(shown), impl.span, { hint: "the path is relative to this .pipe file" }));
  else if (read.problem === "not a file") diagnostics.push(at(Diag.notRegularFile("Python module", shown, describeKind(read.kind)), impl.span, { hint: NOT_REGULAR_HINT }));
  else diagnostics.push(at(Diag.pyModuleNotFound(shown), impl.span, { hint: describeProblem("it", read) }));
  return false;
}

/**
 * The signature of a Python action (the declared one, checked, or the inferred one) and
 * the module's sources for the keys (empty when the module could not be read).
 */
export function pySignature(impl: PyImplRef, declared: Signature | undefined, analysis: PyAnalysis, diagnostics: Diagnostic[]): { signature: Signature; sources: readonly string[] } {
  const fallback = { signature: declared ?? noSignature, sources: [] };
  const shown = shownModule(impl);
  const used: Related[] = [{ message: "used by this action", span: impl.span }];
  if (!analysis.ok) {
    diagnostics.push(at(Diag.pyUnavailable("python3", analysis.reason), impl.span, { hint: "pipe reads Python actions' type hints with python3 (3.9 or newer) at compile time" }));
    return fallback;
  }
  const mod = analysis.modules.get(impl.module);
  if (!mod) return fallback;
  if ("error" in mod) {
    reportModuleError(mod.error, impl.module, shown, impl.span, used, diagnostics);
    return fallback;
  }
  const fn = mod.functions[impl.function];
  if (!fn) {
    diagnostics.push(at(Diag.pyFunctionNotFound(impl.function, shown), impl.span, didYouMean(impl.function, Object.keys(mod.functions))));
    return fallback;
  }
  if (mod.importError) {
    const file = mod.importError.file ?? impl.module;
    reportModuleError(mod.importError, file, relativePosix(path.dirname(impl.span.file), file), impl.span, used, diagnostics);
  }
  const generic = [...fn.params.map((p) => p.type), fn.returns].map(typeVarIn).find((v) => v !== undefined);
  if (generic !== undefined && !declared) {
    diagnostics.push(at(Diag.pyGenericNeedsSignature(impl.function, generic), impl.span, { related: [{ message: "the Python definition", span: toSpan(fn.span) }], hint: `declare it: \`action NAME(...) -> (...) = py "${shown}#${impl.function}"\`` }));
    return { signature: noSignature, sources: mod.sources };
  }
  const shape = readShape(fn, used, diagnostics);
  if (!shape) return { signature: declared ?? noSignature, sources: mod.sources };
  if (!declared) {
    const strip = ({ name, type, span }: PyProperty) => ({ name, type, span });
    return { signature: { params: shape.params.map(strip), outputs: shape.outputs.map(strip) }, sources: mod.sources };
  }
  compareSignature(declared, shape, impl.span, diagnostics);
  return { signature: declared, sources: mod.sources };
}

function reportModuleError(error: { kind: string; message: string; span?: PySpan | undefined }, file: string, shown: string, used: Span, related: Related[], diagnostics: Diagnostic[]): void {
  if (error.kind === "syntax") {
    const span = error.span ? toSpan(error.span) : { file, start: 0, end: 1 };
    diagnostics.push(at(Diag.pySyntaxError(shown, error.message), span, { related }));
  } else diagnostics.push(at(Diag.pyUnreadable(shown, error.message), used));
}

interface PyShape {
  readonly params: readonly PyProperty[];
  readonly outputs: readonly PyProperty[];
  readonly fnSpan: Span;
  readonly returnSpan: Span;
}

function readShape(fn: PyFunction, used: Related[], diagnostics: Diagnostic[]): PyShape | undefined {
  const fnSpan = toSpan(fn.span);
  let ok = true;
  for (const p of fn.problems) {
    diagnostics.push(at(Diag.pyParameterKind(fn.name, `\`${p.what}\``, "a variadic parameter"), toSpan(p.span), { related: used, hint: "list the parameters by name" }));
    ok = false;
  }
  const params: PyProperty[] = [];
  for (const p of fn.params) {
    const span = toSpan(p.span);
    if (p.kind === "positional-only") {
      diagnostics.push(at(Diag.pyParameterKind(fn.name, `\`${p.name}\``, "positional-only"), span, { related: used, hint: "drop the `/` from the parameter list" }));
      ok = false;
      continue;
    }
    if (!p.type) {
      diagnostics.push(at(Diag.pyMissingHint(`parameter \`${p.name}\` of \`${fn.name}\``), span, { related: used, hint: `annotate it: \`${p.name}: int\`, \`${p.name}: list[float]\`, \`${p.name}: Path\`...` }));
      params.push({ name: p.name, type: Ty.ErrorT, text: "", span, plainPath: false });
      continue;
    }
    let type = mapHint(p.type, `parameter \`${p.name}\``, used, diagnostics);
    if (p.default) type = Ty.optionalOf(type);
    params.push({ name: p.name, type, text: p.type.t === "unsupported" ? p.type.text : showHint(p.type), span, plainPath: plainPath(p.type) });
  }
  const returns = fn.returns;
  let outputs: PyProperty[] = [];
  let returnSpan = fnSpan;
  if (!returns) {
    diagnostics.push(at(Diag.pyMissingHint(`the result of \`${fn.name}\``), fnSpan, { related: used, hint: "annotate the return type with a TypedDict or @dataclass whose fields are the outputs (`-> None` for none)" }));
    ok = false;
  } else if (returns.t === "record") {
    returnSpan = toSpan(returns.span);
    outputs = returns.fields.map((f) => {
      const span = toSpan(f.span);
      let type = mapHint(f.type, `output \`${f.name}\``, used, diagnostics);
      if (type.kind !== "Error" && !Ty.isOutputType(type)) {
        diagnostics.push(at(Diag.pyUnsupportedHint(`output \`${f.name}\``, showHint(f.type), "an output is not optional, and is a number, a string, a boolean, a Path, or what structured outputs allow"), span, { related: used }));
        type = Ty.ErrorT;
      }
      return { name: f.name, type, text: showHint(f.type), span, plainPath: plainPath(f.type) };
    });
  } else if (returns.t !== "none") {
    returnSpan = toSpan(returns.span);
    const text = returns.t === "unsupported" ? returns.text : showHint(returns);
    diagnostics.push(at(Diag.pyReturnNotRecord(fn.name, text), returnSpan, { related: used, hint: "return a TypedDict or a @dataclass instance whose fields are the outputs" }));
    ok = false;
  }
  return ok ? { params, outputs, fnSpan, returnSpan } : undefined;
}

/** The .pipe type of a hint; an unsupported one is reported (at its innermost place) and is `Error`. */
function mapHint(t: PyType, what: string, used: Related[], diagnostics: Diagnostic[]): Ty.Type {
  switch (t.t) {
    case "int":
      return Ty.Int;
    case "float":
      return Ty.Float;
    case "bool":
      return Ty.Bool;
    case "str":
      return Ty.Str;
    case "file":
      return Ty.FileT;
    case "dir":
      return Ty.DirT;
    case "list":
      return Ty.listOf(mapHint(t.of, what, used, diagnostics));
    case "optional":
      return Ty.optionalOf(mapHint(t.of, what, used, diagnostics));
    case "record":
      return Ty.recordOf(t.fields.map((f) => ({ name: f.name, type: mapHint(f.type, `${what}, field \`${f.name}\``, used, diagnostics) })));
    case "none":
      diagnostics.push(at(Diag.pyUnsupportedHint(what, "None", "`None` alone is no value; write `T | None`"), toSpan(t.span), { related: used }));
      return Ty.ErrorT;
    case "unsupported":
      diagnostics.push(at(Diag.pyUnsupportedHint(what, t.text, t.why), toSpan(t.span), { related: used, hint: "use int, float, bool, str, Path, list[T], T | None, or a TypedDict or @dataclass" }));
      return Ty.ErrorT;
    case "typevar":
      // Any type: the declared signature says which (readShape requires one).
      return Ty.ErrorT;
  }
}

/** The type variables in a hint: a generic function's signature must be declared in .pipe. */
function typeVarIn(t: PyType | null): string | undefined {
  if (!t) return undefined;
  if (t.t === "typevar") return t.name;
  if (t.t === "list" || t.t === "optional") return typeVarIn(t.of);
  if (t.t === "record") {
    for (const f of t.fields) {
      const found = typeVarIn(f.type);
      if (found) return found;
    }
  }
  return undefined;
}

function plainPath(t: PyType): boolean {
  return t.t === "file" || (t.t === "optional" && plainPath(t.of)) || (t.t === "list" && plainPath(t.of));
}

/** A hint as the messages show it (a normalized spelling, not the source text). */
function showHint(t: PyType): string {
  switch (t.t) {
    case "file":
      return "Path";
    case "dir":
      return 'Annotated[Path, "dir"]';
    case "list":
      return `list[${showHint(t.of)}]`;
    case "optional":
      return `${showHint(t.of)} | None`;
    case "record":
      return t.name;
    case "unsupported":
      return t.text;
    case "typevar":
      return t.name;
    default:
      return t.t;
  }
}

function compareSignature(declared: Signature, shape: PyShape, used: Span, diagnostics: Diagnostic[]): void {
  const mismatch = (message: string, span: Span, hint: { hint?: string } = {}): void => {
    diagnostics.push(at(Diag.pySignatureMismatch(message), used, { related: [{ message: "the Python definition", span }], ...hint }));
  };
  const pyParams = new Map(shape.params.map((p) => [p.name, p]));
  for (const d of declared.params) {
    const p = pyParams.get(d.name);
    if (!p) mismatch(`the function has no parameter \`${d.name}\``, shape.fnSpan, didYouMean(d.name, pyParams.keys()));
    else if (!flows(d.type, p.type, p.plainPath)) mismatch(`parameter \`${d.name}\` is \`${Ty.show(d.type)}\` in .pipe but \`${p.text}\` in Python`, p.span, optionalHint(d.type, p.type));
  }
  const declaredParams = new Set(declared.params.map((p) => p.name));
  for (const p of shape.params) {
    if (declaredParams.has(p.name) || p.type.kind === "Optional" || p.type.kind === "Error") continue;
    mismatch(`the function's parameter \`${p.name}\` is not declared`, p.span, { hint: "declare it in the .pipe signature, or give it a default in Python" });
  }
  const pyOutputs = new Map(shape.outputs.map((o) => [o.name, o]));
  for (const d of declared.outputs) {
    const o = pyOutputs.get(d.name);
    if (!o) mismatch(`the function returns no output \`${d.name}\``, shape.returnSpan, didYouMean(d.name, pyOutputs.keys()));
    else if (!flows(o.type, d.type, o.plainPath)) mismatch(`output \`${d.name}\` is \`${Ty.show(d.type)}\` in .pipe but \`${o.text}\` in Python`, o.span);
  }
  const declaredOutputs = new Set(declared.outputs.map((o) => o.name));
  for (const o of shape.outputs) {
    if (!declaredOutputs.has(o.name)) mismatch(`the function returns \`${o.name}\`, which is not a declared output`, o.span);
  }
}

function optionalHint(declared: Ty.Type, py: Ty.Type): { hint?: string } {
  if (declared.kind === "Optional" && py.kind !== "Optional") return { hint: "the function requires it: give it a default or a `| None` hint in Python, or drop the `?`" };
  return {};
}

/** Can a value of `from` be given where `to` is expected? A plain `Path` (`pathLike`) takes a `Dir` as well as a `File`. */
function flows(from: Ty.Type, to: Ty.Type, pathLike: boolean): boolean {
  if (from.kind === "Error" || to.kind === "Error") return true;
  if (to.kind === "Optional") return flows(from.kind === "Optional" ? from.inner : from, to.inner, pathLike);
  if (from.kind === "Optional") return false;
  switch (to.kind) {
    case "Float":
      return from.kind === "Float" || from.kind === "Int";
    case "File":
      return from.kind === "File" || (pathLike && from.kind === "Dir");
    case "Dir":
      return from.kind === "Dir" || (pathLike && from.kind === "File");
    case "List":
      return from.kind === "List" && flows(from.element, to.element, pathLike);
    case "Record": {
      if (from.kind !== "Record") return false;
      const names = new Set(from.fields.map((f) => f.name));
      return (
        from.fields.every((f) => {
          const target = Ty.field(to, f.name);
          return target !== undefined && flows(f.type, target, pathLike);
        }) && to.fields.every((f) => names.has(f.name) || f.type.kind === "Optional")
      );
    }
    default:
      return from.kind === to.kind;
  }
}
