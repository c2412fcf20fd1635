// Diagnostics as data: what every phase reports, and how a span maps to line and column.
// Nothing here prints; rendering is the CLI's job (see render.ts).

import type { DiagCode } from "./catalog.js";

export type Severity = "error" | "warning";

/** A half-open range of UTF-16 offsets [start, end) in one source file. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export interface Related {
  readonly message: string;
  readonly span: Span;
}

export interface Diagnostic {
  readonly code: DiagCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: Span;
  readonly hint?: string;
  readonly related?: readonly Related[];
}

/** A catalog entry, applied to its message arguments: everything but the place. */
export interface DiagnosticHead {
  readonly code: DiagCode;
  readonly severity: Severity;
  readonly message: string;
}

export function at(head: DiagnosticHead, span: Span | undefined, extra: { hint?: string; related?: Related[] } = {}): Diagnostic {
  return { ...head, ...(span ? { span } : {}), ...extra };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

export interface Position {
  readonly line: number; // 1-based
  readonly column: number; // 1-based, in UTF-16 units
}

/** Line starts of a text, computed once per file, for offset → line/column lookups. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, "");
  }
}

/** Sorts diagnostics by file and position so output never depends on discovery order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.span?.file ?? "").localeCompare(b.span?.file ?? "") ||
      (a.span?.start ?? -1) - (b.span?.start ?? -1) ||
      a.code.localeCompare(b.code),
  );
}
