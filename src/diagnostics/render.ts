// Turns diagnostics into text for people (file:line:col, the source line, ^^^, hint) or
// into JSON for tools. The only place that knows about line and column numbers.

import path from "node:path";
import pc from "picocolors";
import { LineMap, type Diagnostic, type Span } from "./diagnostic.js";
import { append } from "../arrays.js";

/** Source texts by file name, so that spans can be shown with their lines. */
export class Sources {
  private readonly maps = new Map<string, LineMap>();

  add(file: string, text: string): void {
    this.maps.set(file, new LineMap(text));
  }

  get(file: string): LineMap | undefined {
    return this.maps.get(file);
  }

  /** `file:line:col` of a span's start, relative to `cwd` when inside it. */
  location(span: Span, cwd: string): string {
    const where = displayPath(span.file, cwd);
    const map = this.maps.get(span.file);
    if (!map) return where;
    const { line, column } = map.position(span.start);
    return `${where}:${line}:${column}`;
  }
}

export function displayPath(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel.startsWith("..") ? file : rel;
}

interface Style {
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const plain: Style = { red: (s) => s, yellow: (s) => s, cyan: (s) => s, bold: (s) => s, dim: (s) => s };
const colored: Style = pc.createColors(true);

export function renderDiagnostics(diagnostics: readonly Diagnostic[], sources: Sources, options: { cwd: string; color: boolean }): string {
  const style = options.color ? colored : plain;
  return diagnostics.map((d) => renderOne(d, sources, options.cwd, style)).join("\n");
}

function renderOne(d: Diagnostic, sources: Sources, cwd: string, style: Style): string {
  const severity = d.severity === "error" ? style.red("error") : style.yellow("warning");
  const where = d.span ? `${sources.location(d.span, cwd)}: ` : "";
  const lines = [`${style.bold(where)}${severity} ${d.code}: ${style.bold(d.message)}`];
  if (d.span) append(lines, frame(d.span, sources, style));
  for (const r of d.related ?? []) {
    lines.push(`  ${style.dim("note:")} ${sources.location(r.span, cwd)}: ${r.message}`);
    append(lines, frame(r.span, sources, style));
  }
  if (d.hint) lines.push(`  ${style.cyan("hint:")} ${d.hint}`);
  return lines.join("\n") + "\n";
}

/** The source line of a span with `^^^` under it (only its first line when it spans several). */
function frame(span: Span, sources: Sources, style: Style): string[] {
  const map = sources.get(span.file);
  if (!map) return [];
  const start = map.position(span.start);
  const end = map.position(Math.max(span.start, span.end - 1));
  const text = map.lineText(start.line);
  if (text.length > 300) return [];
  const gutter = String(start.line).length;
  const width = end.line === start.line ? Math.max(1, end.column - start.column + 1) : Math.max(1, text.length - start.column + 1);
  return [
    `${" ".repeat(gutter)} ${style.dim("|")}`,
    `${style.dim(String(start.line))} ${style.dim("|")} ${visible(text)}`,
    `${" ".repeat(gutter)} ${style.dim("|")} ${" ".repeat(start.column - 1)}${style.red("^".repeat(width))}`,
  ];
}

/**
 * A source line as it can be shown on a terminal, one character for one so that the carets
 * stay under their column: a tab as a space, another control character as its picture
 * (`␀`, `␛`, `␡`), a C1 control as `�`.
 */
function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === "\t") return " ";
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? "\u2421" : "\ufffd";
  });
}

export function diagnosticsToJson(diagnostics: readonly Diagnostic[], sources: Sources, cwd: string): unknown[] {
  const position = (span: Span) => {
    const map = sources.get(span.file);
    const s = map?.position(span.start);
    const e = map?.position(span.end);
    return { file: displayPath(span.file, cwd), start: span.start, end: span.end, line: s?.line, column: s?.column, endLine: e?.line, endColumn: e?.column };
  };
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.span ? { span: position(d.span) } : {}),
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.related ? { related: d.related.map((r) => ({ message: r.message, span: position(r.span) })) } : {}),
  }));
}
