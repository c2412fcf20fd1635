// Printing diagnostics at the edge: text on stderr (colour on a TTY), or JSON on stdout.

import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnosticsToJson, renderDiagnostics, Sources } from "../diagnostics/render.js";
import { plural } from "../diff/cost.js";
import { MAX_SOURCE_BYTES, readUserFile } from "../host.js";
import type { Io } from "./io.js";

export function sourcesFor(diagnostics: readonly Diagnostic[], known: ReadonlyMap<string, string>): Sources {
  const sources = new Sources();
  for (const [file, text] of known) sources.add(file, text);
  // Diagnostics may point into files the front end did not load (a TypeScript action, a config).
  for (const d of diagnostics) {
    for (const span of [d.span, ...(d.related ?? []).map((r) => r.span)]) {
      if (!span || sources.get(span.file)) continue;
      // What cannot be read (or is not a source at all: a FIFO, a huge file) shows no text:
      // the location alone is printed.
      const read = readUserFile(span.file, MAX_SOURCE_BYTES);
      if (read.ok) sources.add(span.file, read.text);
    }
  }
  return sources;
}

export function printDiagnostics(io: Io, diagnostics: readonly Diagnostic[], known: ReadonlyMap<string, string>): void {
  if (diagnostics.length === 0) return;
  const sorted = sortDiagnostics(diagnostics);
  const text = renderDiagnostics(sorted, sourcesFor(sorted, known), { cwd: io.cwd, color: io.stderrIsTTY && !io.env["NO_COLOR"] });
  io.err(text + "\n");
}

export function diagnosticsJson(io: Io, diagnostics: readonly Diagnostic[], known: ReadonlyMap<string, string>): unknown[] {
  const sorted = sortDiagnostics(diagnostics);
  return diagnosticsToJson(sorted, sourcesFor(sorted, known), io.cwd);
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}
