// How text made from user values is written where a control character would do harm: on a
// terminal (an escape sequence recolours or rewrites the screen, a carriage return hides
// what came before), in a line-based file (a tab or a newline in a field breaks tasks.tsv
// and jobs.tsv), in a comment of a generated script. Task ids are made from values
// (`main/runs[s=a\tb]`), so every place that prints or records an id goes through here;
// JSON output needs none of it, as JSON escapes by itself.
//
// The escapes are the ones of C, JavaScript and bash's $'...': `\t`, `\n`, `\r`, `\xHH` for
// the other C0 controls, DEL and the C1 controls, `\u2028`/`\u2029` for the two Unicode
// line separators (Python's splitlines() breaks at them), and `\\` for a backslash, so that
// the printed form reads back to exactly one id (`fromPrintable`).

const NEEDS_ESCAPE = /[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const ESCAPED = /[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
// The same without tab and backslash: for free text shown as lines, where a tab is layout
// and a backslash is the text's own (a shell command's line continuation).
const UNSAFE_IN_LINE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function escape(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, "0")}`;
}

/** The text with every control character (and backslash) escaped: one line, safe anywhere. */
export function printable(text: string): string {
  // Nearly every id needs nothing: one test, no copy.
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, escape) : text;
}

/** The inverse of `printable`; text that is not an escaped form is returned as is. */
export function fromPrintable(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\(?:x([0-9a-f]{2})|u(2028|2029)|([\\tnr]))/g, (whole, hex: string | undefined, line: string | undefined, named: string | undefined) => {
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    if (line) return String.fromCharCode(parseInt(line, 16));
    return ({ "\\": "\\", t: "\t", n: "\n", r: "\r" } as Record<string, string>)[named!] ?? whole;
  });
}

/** One line of free text (a command's diff, a log's tail) made harmless on a terminal; tabs and backslashes kept. */
export function printableLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, escape);
}

/** A value shown as a quoted string: `"a\tb"`. */
export function printableQuoted(text: string): string {
  return `"${printable(text).replace(/"/g, '\\"')}"`;
}

/** Whether `given` names the id `id`, as printed or as the raw value. */
export function namesId(given: string, id: string): boolean {
  return given === id || given === printable(id);
}
