// What a valid output of an entry is, what is said when one is not, and how a stored scalar
// is read back: the one table of rules and messages. Each declared output must be at
// `WORK/NAME`, a directory for a `Dir` and a file otherwise; the text of an `Int`, `Float`
// or `Bool`, trimmed of the whitespace around it, must match its pattern, and is stored so trimmed, with one newline. (A `String`
// is stored as written.) The task script's checks are generated from this table as bash
// (plan/script.ts, `outputChecks`), one generator for both forms of the script, so that
// `pipe run` and a Slurm task fail a broken output with the same message. A `Float` may be
// not-a-number or infinite, as Python prints them (`nan`, `inf`, `-inf`).
//
// A structured output (a list or a record, stored as JSON; a `List[File]`/`List[Dir]`, a
// directory of entries) must exist by the same rule, and its content is then checked by the
// one implementation in structured.ts: in-process by the local backend, through
// `output-tool.js` by the self-contained script.

import { parseType, isPathList } from "./structured.js";
import { trimEndOf } from "../text.js";

export interface OutputRule {
  /** What must be at the output's path. */
  readonly is: "file" | "dir";
  /** For a scalar: what its trimmed text must match, as a bash extended regular expression (and a JavaScript one). */
  readonly pattern?: RegExp;
}

export const OUTPUT_RULES: Readonly<Record<string, OutputRule>> = {
  Int: { is: "file", pattern: /^[+-]?[0-9]+$/ },
  Float: { is: "file", pattern: /^[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[nN][aA][nN]|[iI][nN][fF]([iI][nN][iI][tT][yY])?)$/ },
  Bool: { is: "file", pattern: /^(true|false)$/ },
  String: { is: "file" },
  File: { is: "file" },
  Dir: { is: "dir" },
};

/** The rule of an output type: a scalar's own, a directory for a `List[File]`/`List[Dir]`, else a file (JSON). */
export const outputRule = (type: string): OutputRule => OUTPUT_RULES[type] ?? (isPathList(parseType(type)) ? { is: "dir" } : { is: "file" });

/** The number a stored `Float` (or `Int`) text stands for: Python's `nan` and `inf` included. */
export function numberOf(text: string): number {
  const t = text.trim().toLowerCase();
  const sign = t.startsWith("-") ? -1 : 1;
  const bare = t.replace(/^[+-]/, "");
  if (bare === "nan") return NaN;
  if (bare === "inf" || bare === "infinity") return sign * Infinity;
  return Number(t);
}

export const missingOutput = (name: string, type: string): string => `output ${name} (${type}) was not written: the command must create it at ~{out.${name}}`;

/** `value` is the output's trimmed text as the message shows it (bash: quoted by `printf %q`). */
export const invalidOutput = (name: string, type: string, value: string): string => `output ${name} is not ${type === "Int" ? "an" : "a"} ${type}: ${value}`;

/**
 * The value of a stored scalar output as every reader takes it: the text up to a NUL, its
 * trailing newlines dropped, which is what the task script's `read` gives a shell command
 * (plan/script.ts, `slurp`). A TypeScript action (runtime/args.ts) and `pipe run`'s outputs
 * read it the same way, so that a `String` with spaces around it is the same value to all.
 */
export function scalarValue(stored: string): string {
  const nul = stored.indexOf("\0");
  // Not `/\n+$/`: anchored at the end, it retries at every newline of a long run.
  return trimEndOf(nul < 0 ? stored : stored.slice(0, nul), "\n");
}

export { isJsonType, isPathList, isStructured, jsonOutputProblem, parseType, projectType, projectValue, pythonJson, structuredOutputProblem, structuredValue, valueToJs } from "./structured.js";
