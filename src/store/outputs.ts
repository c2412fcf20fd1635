// What a valid output of an entry is, and what is said when one is not: the one table of
// rules and messages. Each declared output must be at `WORK/NAME`, a directory for a `Dir`
// and a file otherwise; the text of an `Int`, `Float` or `Bool`, trimmed of the whitespace
// around it, must match its pattern, and is stored so trimmed, with one newline. (A `String`
// is stored as written.) The task script's checks are generated from this table as bash
// (plan/script.ts, `outputChecks`), one generator for both forms of the script, so that
// `pipe run` and a Slurm task fail a broken output with the same message.

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
export const outputRule = (type: string): OutputRule => OUTPUT_RULES[type] ?? { is: "file" };

export const missingOutput = (name: string, type: string): string => `output ${name} (${type}) was not written: the command must create it at ~{out.${name}}`;

/** `value` is the output's trimmed text as the message shows it (bash: quoted by `printf %q`). */
export const invalidOutput = (name: string, type: string, value: string): string => `output ${name} is not ${type === "Int" ? "an" : "a"} ${type}: ${value}`;
