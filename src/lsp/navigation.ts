// Hover, go to definition, references, rename and document symbols over the symbol index.
// References and rename look through the analyses of every `.pipe` file of the workspace,
// since the files that call an action are the ones that import its module.

import fs from "node:fs";
import type { Hover, Location, DocumentSymbol, WorkspaceEdit, TextEdit } from "vscode-languageserver";
import { SymbolKind as LspSymbolKind } from "vscode-languageserver";
import { sourceFileOf } from "../check/ts-project.js";
import { stdlibDir } from "../host.js";
import { keywords } from "../syntax/tokens.js";
import type { Analysis } from "./analysis.js";
import { toUri, type Lines } from "./convert.js";
import { describeSymbol, showType } from "./describe.js";
import { linkAt, occurrenceAt, referencesOf, typeAt, type Link, type PipeSymbol } from "./symbol-index.js";

export interface NavContext {
  readonly lines: Lines;
  readonly textOf: (file: string) => string | undefined;
}

export function hover(a: Analysis, file: string, offset: number, cx: NavContext): Hover | null {
  const occ = occurrenceAt(a.index, file, offset);
  if (occ) {
    const { code, doc } = describeSymbol(occ.symbol, a.program, cx.textOf);
    return { contents: { kind: "markdown", value: "```pipe\n" + code + "\n```" + (doc ? `\n\n${doc}` : "") }, range: cx.lines.range(occ.span) };
  }
  const l = linkAt(a.index, file, offset);
  if (l) {
    const what = l.exportName ? `function \`${l.exportName}\` of ${l.file}` : `module ${l.file}`;
    return { contents: { kind: "markdown", value: what }, range: cx.lines.range(l.span) };
  }
  const t = typeAt(a.index, file, offset);
  if (t) return { contents: { kind: "markdown", value: "```pipe\n" + showType(t.type) + "\n```" }, range: cx.lines.range(t.span) };
  return null;
}

export function definition(a: Analysis, file: string, offset: number, cx: NavContext): Location[] {
  const occ = occurrenceAt(a.index, file, offset);
  if (occ) {
    const found = [cx.lines.location(occ.symbol.nameSpan)];
    // An action implemented in TypeScript or Python: its function too.
    const impl = occ.symbol.callable && a.index.links.get(occ.symbol.file)?.find((l) => l.exportName && occ.symbol.declSpan.start <= l.span.start && l.span.end <= occ.symbol.declSpan.end);
    const target = impl && linkTarget(impl);
    if (target) found.push(target);
    if (occ.symbol.kind === "alias" && occ.symbol.module) found.push({ uri: toUri(occ.symbol.module), range: zero });
    return found;
  }
  const l = linkAt(a.index, file, offset);
  const target = l && linkTarget(l);
  return target ? [target] : [];
}

const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Where a link leads: a module's start, or the function it names in a TypeScript or Python file. */
function linkTarget(l: Link): Location | undefined {
  if (!l.exportName) return { uri: toUri(l.file), range: zero };
  if (/\.py$/.test(l.file)) return pythonFunction(l.file, l.exportName);
  try {
    const source = sourceFileOf(l.file);
    const decl = source.getExportedDeclarations().get(l.exportName)?.[0];
    if (!decl) return { uri: toUri(l.file), range: zero };
    const named = (decl as unknown as { getNameNode?: () => { getStart(): number; getEnd(): number } | undefined }).getNameNode?.();
    const node = named ?? decl;
    const file = decl.getSourceFile();
    const start = file.getLineAndColumnAtPos(node.getStart());
    const end = file.getLineAndColumnAtPos(node.getEnd());
    return { uri: toUri(file.getFilePath()), range: { start: { line: start.line - 1, character: start.column - 1 }, end: { line: end.line - 1, character: end.column - 1 } } };
  } catch {
    return { uri: toUri(l.file), range: zero };
  }
}

function pythonFunction(file: string, name: string): Location {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return { uri: toUri(file), range: zero };
  }
  const lines = text.split("\n");
  const i = lines.findIndex((line) => new RegExp(`^(async\\s+)?def\\s+${name}\\s*\\(`).test(line));
  if (i < 0) return { uri: toUri(file), range: zero };
  const character = lines[i]!.indexOf(name);
  return { uri: toUri(file), range: { start: { line: i, character }, end: { line: i, character: character + name.length } } };
}

/** The symbol at the offset and every place naming it, across the analyses given. */
export function references(analyses: readonly Analysis[], file: string, offset: number, includeDecl: boolean): { symbol: PipeSymbol; spans: { file: string; start: number; end: number }[] } | undefined {
  const occ = analyses.map((a) => occurrenceAt(a.index, file, offset)).find((o) => o);
  if (!occ) return undefined;
  const seen = new Set<string>();
  const spans: { file: string; start: number; end: number }[] = [];
  for (const a of analyses) {
    for (const o of referencesOf(a.index, occ.symbol.key)) {
      if (!includeDecl && o.isDecl) continue;
      const k = `${o.span.file}:${o.span.start}`;
      if (seen.has(k)) continue;
      seen.add(k);
      spans.push(o.span);
    }
  }
  spans.sort((x, y) => x.file.localeCompare(y.file) || x.start - y.start);
  return { symbol: occ.symbol, spans };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type RenameResult = { edit: WorkspaceEdit } | { error: string };

/**
 * Renames a binding (a `let`, a loop variable, an import alias) or an action or pipeline
 * with every place that names it. A parameter is refused: its name is also the argument name
 * of every call and may be set by `with` anywhere above, which a rename cannot see whole.
 */
export function rename(analyses: readonly Analysis[], file: string, offset: number, newName: string, cx: NavContext): RenameResult {
  if (!NAME.test(newName) || keywords.has(newName)) return { error: `\`${newName}\` is not a name` };
  const found = references(analyses, file, offset, true);
  if (!found) return { error: "nothing to rename here" };
  const { symbol, spans } = found;
  if (symbol.kind === "param" || symbol.kind === "output") return { error: `a ${symbol.kind === "param" ? "parameter" : "output"} is named by every call and \`with\`; rename it by hand` };
  if (symbol.file.startsWith(stdlibDir + "/")) return { error: "the standard library is not renamed" };
  const changes: Record<string, TextEdit[]> = {};
  for (const s of spans) (changes[toUri(s.file)] ??= []).push({ range: cx.lines.range(s), newText: newName });
  return { edit: { changes } };
}

export function documentSymbols(a: Analysis, file: string, cx: NavContext): DocumentSymbol[] {
  const result: DocumentSymbol[] = [];
  const mod = a.loaded.modules.get(file);
  if (!mod) return result;
  const symbols = [...a.index.symbols.values()].filter((s) => s.file === file);
  const child = (s: PipeSymbol): DocumentSymbol => ({
    name: s.name,
    detail: describeSymbol(s, a.program, cx.textOf).code,
    kind: s.kind === "param" ? LspSymbolKind.Variable : s.kind === "output" ? LspSymbolKind.Field : s.kind === "loop" ? LspSymbolKind.Variable : LspSymbolKind.Variable,
    range: cx.lines.range(s.declSpan),
    selectionRange: cx.lines.range(s.nameSpan),
  });
  for (const s of symbols) {
    if (s.kind === "alias") result.push({ ...child(s), kind: LspSymbolKind.Module });
    if (!s.callable) continue;
    const children = symbols.filter((m) => m.owner === s.callable && m.kind !== "loop").sort((x, y) => x.nameSpan.start - y.nameSpan.start).map(child);
    result.push({
      name: s.name,
      detail: s.kind,
      kind: s.kind === "action" ? LspSymbolKind.Function : LspSymbolKind.Class,
      range: cx.lines.range(s.declSpan),
      selectionRange: cx.lines.range(s.nameSpan),
      children,
    });
  }
  return result.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
}
