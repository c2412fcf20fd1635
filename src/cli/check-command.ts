// `pipe check FILE`: parse and type-check a program (or standard input, `-`), and print its
// diagnostics, or `ok`.

import path from "node:path";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { nodeFileHost, withText } from "../host.js";
import { frontEnd } from "../phases.js";
import { Exit, type Io } from "./io.js";
import { diagnosticsJson, printDiagnostics, summary } from "./report.js";

export function checkCommand(arg: string, opts: { json?: boolean; stdinFilepath?: string }, io: Io): number {
  const file = path.resolve(io.cwd, arg === "-" ? (opts.stdinFilepath ?? "<stdin>.pipe") : arg);
  const result = frontEnd(file, arg === "-" ? withText(nodeFileHost, file, io.readStdin?.() ?? "") : nodeFileHost);
  const failed = hasErrors(result.diagnostics);
  if (opts.json) {
    io.out(JSON.stringify({ ok: !failed, diagnostics: diagnosticsJson(io, result.diagnostics, result.sources) }, null, 2) + "\n");
  } else {
    printDiagnostics(io, result.diagnostics, result.sources);
    io.err(failed ? `check failed: ${summary(result.diagnostics)}\n` : `ok${result.diagnostics.length ? ` (${summary(result.diagnostics)})` : ""}\n`);
  }
  return failed ? Exit.invalid : Exit.ok;
}
