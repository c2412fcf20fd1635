// Completion: what may be written at the cursor. The text being typed rarely parses, so the
// context is read from the tokens before the cursor (an import's path, `name.`, the
// argument list of a call) and the names from the latest analysis of the file that had
// the enclosing declaration, matched by its name.

import fs from "node:fs";
import path from "node:path";
import type { IToken } from "chevrotain";
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from "vscode-languageserver";
import type { Callable, ModuleScope } from "../check/declarations.js";
import type * as Ty from "../check/types.js";
import { append } from "../arrays.js";
import { stdlibDir } from "../host.js";
import * as T from "../syntax/tokens.js";
import type { Analysis } from "./analysis.js";
import { docComment, showType, signatureOf } from "./describe.js";
import type { BodyScope, PipeSymbol } from "./symbol-index.js";

export interface CompletionInput {
  readonly file: string;
  readonly text: string;
  readonly offset: number;
  readonly analysis: Analysis;
  /** An earlier analysis in which the file's declarations were whole, for names while a line is half written. */
  readonly previous?: Analysis;
  readonly textOf: (file: string) => string | undefined;
}

export function complete(input: CompletionInput): CompletionItem[] {
  const { text, offset } = input;
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const before = text.slice(lineStart, offset);

  const importPath = /^\s*import\s+"([^"]*)$/.exec(before);
  if (importPath) return importPaths(input.file, importPath[1]!);

  const member = /([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z0-9_]*$/.exec(before);
  if (member) return members(input, member[1]!);

  const tokens = T.lexer.tokenize(text.slice(0, offset)).tokens;
  // Inside a string (a command, a path) only `out.` and imports complete.
  const last = tokens[tokens.length - 1];
  if (last && (last.tokenType === T.StringLit || last.tokenType === T.TripleString) && last.startOffset + last.image.length >= offset && !/["]$/.test(before)) return [];
  if (/"[^"]*$/.test(before) && (before.match(/"/g)?.length ?? 0) % 2 === 1) return [];

  const typing = last && last.tokenType === T.Identifier && last.startOffset + last.image.length === offset ? last : undefined;
  const significant = typing ? tokens.slice(0, -1) : tokens;
  const call = openCall(significant);
  const items: CompletionItem[] = [];
  if (call && call.atName) append(items, parameterItems(input, call.callee, call.named));
  if (call?.atName && items.length) return items;
  append(items, scopeItems(input));
  return items;
}

/** `std/` modules and the `.pipe` files beside the importing one. */
function importPaths(file: string, written: string): CompletionItem[] {
  const items: CompletionItem[] = [];
  if ("std/".startsWith(written) || written.startsWith("std/")) {
    for (const f of safeList(stdlibDir).filter((f) => f.endsWith(".pipe"))) {
      items.push({ label: `std/${f}`, kind: CompletionItemKind.Module, detail: "standard module", filterText: `std/${f}`, documentation: docComment("\n" + readHead(path.join(stdlibDir, f)), 1) ?? "" });
    }
  }
  const dirPart = written.includes("/") ? written.slice(0, written.lastIndexOf("/") + 1) : "./";
  if (!written.startsWith("std/")) {
    const dir = path.resolve(path.dirname(file), dirPart);
    for (const f of safeList(dir)) {
      const full = path.join(dir, f);
      if (full === file) continue;
      const isDir = safeIsDir(full);
      if (!isDir && !f.endsWith(".pipe")) continue;
      if (isDir && (f.startsWith(".") || f === "node_modules")) continue;
      const label = (dirPart === "./" && !written.startsWith("./") ? "./" : dirPart) + f + (isDir ? "/" : "");
      items.push({ label, kind: isDir ? CompletionItemKind.Folder : CompletionItemKind.File, filterText: label });
    }
  }
  return items;
}

function readHead(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").slice(0, 2000).split("\n\n")[0] ?? "";
  } catch {
    return "";
  }
}

const safeList = (dir: string): string[] => {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
};
const safeIsDir = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** The body around the offset, from this analysis or, by its owner's name, from the earlier one. */
function bodyAt(input: CompletionInput): { body: BodyScope; exact: boolean } | undefined {
  const here = (input.analysis.index.bodies.get(input.file) ?? []).find((b) => b.span.start <= input.offset && input.offset <= b.span.end);
  if (here) return { body: here, exact: true };
  // A half-written line can drop the whole declaration: take the one that starts last before the cursor, from before.
  const prev = input.previous?.index.bodies.get(input.file) ?? [];
  const owner = lastDeclBefore(input.text, input.offset);
  const match = owner && prev.find((b) => b.owner.decl.name.name === owner);
  return match ? { body: match, exact: false } : undefined;
}

function lastDeclBefore(text: string, offset: number): string | undefined {
  const re = /^\s*(?:action|pipeline)\s+([A-Za-z_][A-Za-z0-9_]*)/gm;
  let found: string | undefined;
  for (let m = re.exec(text); m && m.index < offset; m = re.exec(text)) found = m[1];
  return found;
}

/** Bindings visible at the offset: parameters, earlier lets, the loop variables around it. */
function bindingsAt(input: CompletionInput): PipeSymbol[] {
  const found = bodyAt(input);
  if (!found) return [];
  const { body, exact } = found;
  const seen = new Map<string, PipeSymbol>();
  const written = input.text.slice(0, input.offset);
  for (const n of body.names) {
    const visible = exact
      ? n.from <= input.offset && input.offset <= n.to
      : n.symbol.kind === "param" || new RegExp(`\\b(let|for)\\s+([A-Za-z_0-9, ]*\\b)?${n.symbol.name}\\b`).test(written);
    if (visible) seen.set(n.symbol.name, n.symbol);
  }
  return [...seen.values()];
}

function scopeOf(input: CompletionInput): ModuleScope | undefined {
  return input.analysis.scopes.get(input.file) ?? input.previous?.scopes.get(input.file);
}

function members(input: CompletionInput, name: string): CompletionItem[] {
  const scope = scopeOf(input);
  const alias = scope?.aliases.get(name);
  const analysis = input.analysis.scopes.get(input.file)?.aliases.has(name) ? input.analysis : input.previous ?? input.analysis;
  if (alias) {
    const target = analysis.scopes.get(alias);
    return [...(target?.own.values() ?? [])].map((c) => callableItem(c, input, analysis));
  }
  const body = bodyAt(input);
  if (name === "out" && body?.body.owner.kind === "Action") {
    return (body.body.owner.decl.signature?.outputs ?? []).map((o) => ({ label: o.name.name, kind: CompletionItemKind.Field, detail: input.text.slice(o.span.start, o.span.end) }));
  }
  const bound = bindingsAt(input).find((s) => s.name === name);
  const fields = fieldsOf(bound?.type);
  return fields.map((f) => ({ label: f.name, kind: CompletionItemKind.Field, detail: showType(f.type) }));
}

function fieldsOf(type: Ty.Type | undefined): readonly Ty.RecordField[] {
  if (!type) return [];
  if (type.kind === "Record") return type.fields;
  if (type.kind === "List") return fieldsOf(type.element);
  if (type.kind === "Optional") return fieldsOf(type.inner);
  return [];
}

/** The call whose argument list the cursor is in, if the cursor is where an argument's name goes. */
function openCall(tokens: IToken[]): { callee: string[]; atName: boolean; named: Set<string> } | undefined {
  let depth = 0;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!.tokenType;
    if (T.closers.has(t)) depth++;
    else if (T.openers.has(t)) {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (t !== T.LParen) return undefined;
      const name = tokens[i - 1];
      if (!name || name.tokenType !== T.Identifier) return undefined;
      const callee = [name.image];
      if (tokens[i - 2]?.tokenType === T.Dot && tokens[i - 3]?.tokenType === T.Identifier) callee.unshift(tokens[i - 3]!.image);
      const lastTok = tokens[tokens.length - 1]!.tokenType;
      const named = new Set<string>();
      let d = 0;
      for (let j = i + 1; j < tokens.length; j++) {
        const tt = tokens[j]!.tokenType;
        if (T.openers.has(tt)) d++;
        else if (T.closers.has(tt)) d--;
        else if (d === 0 && tt === T.Identifier && tokens[j + 1]?.tokenType === T.Equals && (tokens[j - 1]!.tokenType === T.LParen || tokens[j - 1]!.tokenType === T.Comma)) named.add(tokens[j]!.image);
      }
      return { callee, atName: lastTok === T.LParen || lastTok === T.Comma, named };
    }
  }
  return undefined;
}

function resolveCallee(input: CompletionInput, callee: string[]): { c: Callable; analysis: Analysis } | undefined {
  for (const analysis of [input.analysis, input.previous].filter((a): a is Analysis => !!a)) {
    const scope = analysis.scopes.get(input.file);
    if (!scope) continue;
    if (callee.length === 1) {
      const found = scope.visible.get(callee[0]!);
      if (found && found.kind !== "Clash") return { c: found, analysis };
    } else {
      const target = scope.aliases.get(callee[0]!);
      const found = target && analysis.scopes.get(target)?.own.get(callee[1]!);
      if (found) return { c: found, analysis };
    }
  }
  return undefined;
}

function parameterItems(input: CompletionInput, callee: string[], named: Set<string>): CompletionItem[] {
  const found = resolveCallee(input, callee);
  if (!found) return [];
  const { c, analysis } = found;
  const typed = c.kind === "Action" ? analysis.program?.actions.get(c.id) : analysis.program?.pipelines.get(c.id);
  const declared = c.decl.signature?.params ?? [];
  const params = typed?.params.length ? typed.params.map((p) => ({ name: p.name, type: showType(p.type), optional: !!p.default || p.type.kind === "Optional" })) : declared.map((p) => ({ name: p.name.name, type: input.textOf(c.file)?.slice(p.type.span.start, p.type.span.end) ?? "", optional: !!p.default }));
  return params
    .filter((p) => !named.has(p.name))
    .map((p, i) => ({
      label: p.name,
      kind: CompletionItemKind.Property,
      detail: `${p.name}: ${p.type}${p.optional ? " (optional)" : ""}`,
      insertText: `${p.name} = `,
      sortText: `${p.optional ? 1 : 0}${String(i).padStart(4, "0")}`,
      documentation: `parameter of ${c.decl.name.name}`,
    }));
}

function callableItem(c: Callable, input: CompletionInput, analysis: Analysis): CompletionItem {
  const text = input.textOf(c.file);
  const doc = docComment(text, c.decl.span.start);
  return {
    label: c.decl.name.name,
    kind: c.kind === "Action" ? CompletionItemKind.Function : CompletionItemKind.Module,
    detail: signatureOf(c, analysis.program, text),
    ...(doc ? { documentation: doc } : {}),
    insertText: `${c.decl.name.name}($0)`,
    insertTextFormat: InsertTextFormat.Snippet,
  };
}

const keywordItems = ["import", "action", "pipeline", "let", "for", "in", "with", "return", "true", "false", "none", "shell", "uses", "resources", "env", "retries", "cache", "ts", "zip", "raw"];

function scopeItems(input: CompletionInput): CompletionItem[] {
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const s of bindingsAt(input)) {
    seen.add(s.name);
    items.push({ label: s.name, kind: s.kind === "param" ? CompletionItemKind.Variable : CompletionItemKind.Variable, detail: `${s.kind === "param" ? "parameter" : s.kind === "loop" ? "loop variable" : "let"}: ${showType(s.type)}`, sortText: `0${s.name}` });
  }
  const scope = scopeOf(input);
  const analysis = input.analysis.scopes.has(input.file) ? input.analysis : input.previous ?? input.analysis;
  for (const [name, c] of scope?.visible ?? []) {
    if (seen.has(name) || c.kind === "Clash") continue;
    seen.add(name);
    items.push({ ...callableItem(c, input, analysis), sortText: `1${name}` });
  }
  for (const name of scope?.aliases.keys() ?? []) {
    if (seen.has(name)) continue;
    seen.add(name);
    items.push({ label: name, kind: CompletionItemKind.Module, detail: "imported module", sortText: `1${name}` });
  }
  for (const k of keywordItems) if (!seen.has(k)) items.push({ label: k, kind: CompletionItemKind.Keyword, sortText: `2${k}` });
  return items;
}
