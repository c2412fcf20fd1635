// What a valid output of an entry is, what is said when one is not, and how a stored scalar
// is read back: the one table of rules and messages. Each declared output must be at
// `WORK/NAME`, a directory for a `Dir` and a file otherwise; the text of an `Int`, `Float`
// or `Bool`, trimmed of the whitespace around it, must match its pattern, and is stored so trimmed, with one newline. (A `String`
// is stored as written.) The task script's checks are generated from this table as bash
// (plan/script.ts, `outputChecks`), one generator for both forms of the script, so that
// `pipe run` and a Slurm task fail a broken output with the same message.

import { trimEndOf } from "../text.js";

export interface OutputRule {
  /** What must be at the output's path. */
  readonly is: "file" | "dir";
  /** For a scalar: what its trimmed text must match, as a bash extended regular expression (and a JavaScript one). */
  readonly pattern?: RegExp;
}

export const OUTPUT_RULES: Readonly<Record<string, OutputRule>> = {
  Int: { is: "file", pattern: /^[+-]?[0-9]+$/ },
  Float: { is: "file", pattern: /^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$/ },
  Bool: { is: "file", pattern: /^(true|false)$/ },
  String: { is: "file" },
  File: { is: "file" },
  Dir: { is: "dir" },
};

/** The rule of an output type; a type without one of its own (none today) is a file. */
export const outputRule = (type: string): OutputRule => OUTPUT_RULES[type] ?? { is: /^List\[(File|Dir)\]$/.test(type) ? "dir" : "file" };

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
