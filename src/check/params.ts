// Binding the entry pipeline's parameters, part of checking: defaults, then `--params
// file.json`, then `-p name=value` (parsed with the language's own expression grammar and
// type-checked with the checker's rules, so `-p lrs=[0.1,0.2]` means what it would mean in a
// `.pipe` file). Unknown, missing and ill-typed parameters are reported here, before the plan
// phase, which only evaluates what was bound (plan/params.ts).

import path from "node:path";
import { z } from "zod";
import { locateInJson } from "../config/index.js";
import { Diag } from "../diagnostics/catalog.js";
import { append } from "../arrays.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { describeProblem, MAX_CONFIG_BYTES, relativePosix, type FileHost } from "../host.js";
import { NUL_HINT, parseExpression } from "../syntax/index.js";
import { checkExpr, reportUnlessAssignable, Scope } from "./expressions.js";
import type { TExpr, TPipeline, TypedProgram } from "./typed.js";
import { show, type Type } from "./types.js";

export interface ParamSources {
  /** `name=value` pairs from `-p`. */
  readonly pairs: readonly string[];
  readonly paramsFile?: string;
  readonly cwd: string;
}

/**
 * What a parameter is bound to: an expression the checker typed (its default, or a `-p`
 * value written as an expression), evaluated by the plan phase; or a value given as it is
 * (a `--params` value, a bare `-p` word, nothing for an optional one).
 */
export type ParamBinding = { readonly kind: "Expr"; readonly expr: TExpr } | { readonly kind: "Given"; readonly value: GivenValue };

/** A value from outside the program, already of its parameter's type; a path is relative to the project, with POSIX separators. */
export type GivenValue =
  | { readonly t: "int" | "float"; readonly v: number }
  | { readonly t: "bool"; readonly v: boolean }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "none" }
  | { readonly t: "path"; readonly path: string; readonly dir: boolean }
  | { readonly t: "list"; readonly items: readonly GivenValue[] }
  | { readonly t: "record"; readonly fields: Readonly<Record<string, GivenValue>> };

export interface ParamsResult {
  /** Every parameter of the entry pipeline that has a value, unless a diagnostic says why not. */
  readonly params: Map<string, ParamBinding>;
  readonly diagnostics: Diagnostic[];
  /** Texts of the `-p` values, by the pseudo file name their diagnostics point into. */
  readonly sources: Map<string, string>;
}

export function bindParams(program: TypedProgram, entry: TPipeline, given: ParamSources, host: FileHost): ParamsResult {
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const params = new Map<string, ParamBinding>();
  const give = (name: string, value: GivenValue) => params.set(name, { kind: "Given", value });
  const declared = new Map(entry.params.map((p) => [p.name, p]));
  // Given, even if wrongly: such a parameter is reported once, not also as missing.
  const mentioned = new Set<string>();
  // An unreadable params file may have held any of them: none is reported as missing then.
  let fileFailed = false;
  const listed = entry.params.length ? `its parameters: ${entry.params.map((p) => p.name).join(", ")}` : "it takes no parameters";
  const unknown = (name: string, span?: Span) => {
    const near = didYouMean(name, declared.keys()).hint;
    diagnostics.push(at(Diag.unknownParam(name, entry.name), span, { hint: near ? `${near} (${listed})` : listed }));
  };

  if (given.paramsFile) {
    const file = path.resolve(given.cwd, given.paramsFile);
    const read = host.readFile(file, MAX_CONFIG_BYTES);
    const text = read.ok ? read.text : undefined;
    let json: unknown;
    let syntaxError = false;
    try {
      json = text === undefined ? undefined : JSON.parse(text);
    } catch (error) {
      syntaxError = true;
      diagnostics.push(at(Diag.badParamsFile(`${given.paramsFile}: ${(error as Error).message}`), undefined));
    }
    const parsed = z.record(z.string(), z.unknown()).safeParse(json);
    fileFailed = text === undefined || syntaxError || !parsed.success;
    if (!read.ok) diagnostics.push(at(Diag.badParamsFile(describeProblem(given.paramsFile, read)), undefined));
    else if (syntaxError || text === undefined) {
      // Reported above; the file gives no values.
    } else if (!parsed.success) diagnostics.push(at(Diag.badParamsFile(`${given.paramsFile} must hold a JSON object`), undefined));
    else {
      for (const [name, raw] of Object.entries(parsed.data)) {
        const param = declared.get(name);
        const span = locateInJson(text, file, [name]);
        mentioned.add(name);
        if (!param) unknown(name, span);
        else {
          const value = fromJson(raw, param.type, (p) => relativePosix(program.projectDir, path.resolve(path.dirname(file), p)));
          if (typeof value === "string") diagnostics.push(at(Diag.badParamValue(name, value), span, value.endsWith(HOLDS_NUL) ? { hint: NUL_HINT } : {}));
          else give(name, value);
        }
      }
    }
  }

  for (const pair of given.pairs) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const text = eq < 0 ? "" : pair.slice(eq + 1);
    const param = declared.get(name);
    mentioned.add(name);
    if (eq < 0) {
      diagnostics.push(at(Diag.badParamValue(name, "expected `-p name=value`"), undefined));
      continue;
    }
    if (!param) {
      unknown(name);
      continue;
    }
    const target = param.type.kind === "Optional" ? param.type.inner : param.type;
    // A bare word for a string or a path is taken as written: `-p src=data/x.csv`.
    if ((target.kind === "String" || target.kind === "File" || target.kind === "Dir") && !text.startsWith('"')) {
      const nul = text.indexOf("\0");
      if (nul >= 0) {
        const file = `-p ${name}`;
        sources.set(file, text);
        diagnostics.push(at(Diag.badParamValue(name, "the value holds a NUL byte"), { file, start: nul, end: nul + 1 }, { hint: NUL_HINT }));
        continue;
      }
      give(name, target.kind === "String" ? { t: "str", v: text } : { t: "path", path: relativePosix(program.projectDir, path.resolve(given.cwd, text)), dir: target.kind === "Dir" });
      continue;
    }
    const file = `-p ${name}`;
    sources.set(file, text);
    const parsed = parseExpression(text, file);
    append(diagnostics, parsed.diagnostics);
    if (!parsed.expr) continue;
    const typed = checkExpr(parsed.expr, { scope: new Scope(), dir: given.cwd, diagnostics }, param.type);
    if (reportUnlessAssignable(typed, param.type, diagnostics)) params.set(name, { kind: "Expr", expr: typed });
  }

  for (const param of entry.params) {
    if (params.has(param.name) || mentioned.has(param.name)) continue;
    if (param.default) params.set(param.name, { kind: "Expr", expr: param.default });
    else if (param.type.kind === "Optional") give(param.name, { t: "none" });
    else if (!fileFailed) diagnostics.push(at(Diag.missingParam(param.name, entry.name), param.span, { hint: `pass \`-p ${param.name}=...\` or give it a default` }));
  }
  return { params, diagnostics, sources };
}

const HOLDS_NUL = "the value holds a NUL byte (`\\u0000`)";

/** A JSON value as a value of `type`, or a sentence saying why it is not one. */
function fromJson(raw: unknown, type: Type, pathOf: (p: string) => string): GivenValue | string {
  const wrong = () => `expected \`${show(type)}\`, got ${JSON.stringify(raw)}`;
  if (typeof raw === "string" && raw.includes("\0")) return HOLDS_NUL;
  switch (type.kind) {
    case "Optional":
      return raw === null ? { t: "none" } : fromJson(raw, type.inner, pathOf);
    case "Int":
      return typeof raw === "number" && Number.isSafeInteger(raw) ? { t: "int", v: raw } : wrong();
    case "Float":
      return typeof raw === "number" ? { t: "float", v: raw } : wrong();
    case "Bool":
      return typeof raw === "boolean" ? { t: "bool", v: raw } : wrong();
    case "String":
      return typeof raw === "string" ? { t: "str", v: raw } : wrong();
    case "File":
    case "Dir":
      return typeof raw === "string" ? { t: "path", path: pathOf(raw), dir: type.kind === "Dir" } : wrong();
    case "List": {
      if (!Array.isArray(raw)) return wrong();
      const items: GivenValue[] = [];
      for (const item of raw) {
        const v = fromJson(item, type.element, pathOf);
        if (typeof v === "string") return v;
        items.push(v);
      }
      return { t: "list", items };
    }
    case "Record": {
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) return wrong();
      const obj = raw as Record<string, unknown>;
      const fields: Record<string, GivenValue> = {};
      for (const f of type.fields) {
        const v = fromJson(obj[f.name] ?? null, f.type, pathOf);
        if (typeof v === "string") return `field \`${f.name}\`: ${v}`;
        fields[f.name] = v;
      }
      const extra = Object.keys(obj).find((k) => !type.fields.some((f) => f.name === k));
      return extra ? `unknown field \`${extra}\`` : { t: "record", fields };
    }
    default:
      return wrong();
  }
}
