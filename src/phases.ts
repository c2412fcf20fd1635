// The phase order, said once: load (parse every module) → check (names and types; then the
// entry pipeline's parameters, check/params.ts) → plan (tasks, keys, scripts) → a backend.
// Each phase is a folder with one entry function; this module chains the front of it for
// the commands.

import { hasErrors, type Diagnostic } from "./diagnostics/diagnostic.js";
import { check } from "./check/index.js";
import { load } from "./check/load.js";
import type { TypedProgram } from "./check/typed.js";
import type { FileHost } from "./host.js";

export interface FrontEndResult {
  /** Present when no error was found. */
  readonly program?: TypedProgram;
  readonly diagnostics: Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

export function frontEnd(entryFile: string, host: FileHost): FrontEndResult {
  const loaded = load(entryFile, host);
  if (loaded.modules.size === 0) return { diagnostics: loaded.diagnostics, sources: loaded.sources };
  const checked = check(loaded, host);
  const diagnostics = [...loaded.diagnostics, ...checked.diagnostics];
  return { ...(hasErrors(diagnostics) ? {} : { program: checked.program }), diagnostics, sources: loaded.sources };
}
