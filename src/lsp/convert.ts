// Between the compiler's data and the protocol's: spans (UTF-16 offsets, as the protocol's
// positions count) to ranges, file paths to URIs, diagnostics to protocol diagnostics with
// the same code, message and hint as `pipe check` prints.

import { fileURLToPath, pathToFileURL } from "node:url";
import type { Diagnostic as LspDiagnostic, Location, Range } from "vscode-languageserver";
import { LineMap, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";

export const toUri = (file: string): string => pathToFileURL(file).href;

export function toFile(uri: string): string | undefined {
  try {
    return uri.startsWith("file:") ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** Line maps of texts, reused while the text is the same string. */
export class Lines {
  private readonly maps = new Map<string, LineMap>();

  constructor(private readonly textOf: (file: string) => string | undefined) {}

  map(file: string): LineMap {
    const text = this.textOf(file) ?? "";
    let map = this.maps.get(file);
    if (!map || map.text !== text) this.maps.set(file, (map = new LineMap(text)));
    return map;
  }

  range(span: Span): Range {
    const map = this.map(span.file);
    const a = map.position(span.start);
    const b = map.position(span.end);
    return { start: { line: a.line - 1, character: a.column - 1 }, end: { line: b.line - 1, character: b.column - 1 } };
  }

  location(span: Span): Location {
    return { uri: toUri(span.file), range: this.range(span) };
  }

  offset(file: string, position: { line: number; character: number }): number {
    const map = this.map(file);
    const text = map.text;
    // LineMap has no inverse; lines are found by scanning once per request, which is linear in the text only up to the line.
    let line = 0;
    let i = 0;
    while (line < position.line && i < text.length) {
      const next = text.indexOf("\n", i);
      if (next < 0) {
        i = text.length;
        break;
      }
      i = next + 1;
      line++;
    }
    const lineEnd = text.indexOf("\n", i);
    return Math.min(i + position.character, lineEnd < 0 ? text.length : lineEnd);
  }
}

export function toLspDiagnostic(d: Diagnostic, lines: Lines, file: string): LspDiagnostic {
  const range = d.span && d.span.file === file ? lines.range(d.span) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return {
    range,
    severity: d.severity === "error" ? 1 : 2,
    code: d.code,
    source: "pipe",
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    ...(d.related?.length ? { relatedInformation: d.related.map((r) => ({ location: lines.location(r.span), message: r.message })) } : {}),
  };
}
