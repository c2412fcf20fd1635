// Quoting for bash, the one place where pipe turns text into shell words: single-quoted
// words like Python's `shlex.quote` (commands, task scripts, bundle.env, the launcher's
// environment), double-quoted words whose `$` stays literal, and the shellcheck directive a
// generated line needs when a quoted value looks like a mistake to shellcheck.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a word for bash, minimally, like Python's `shlex.quote`. */
export function shellQuote(text: string): string {
  if (SAFE.test(text)) return text;
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** Text as one double-quoted bash word, every character literal. */
export function doubleQuote(text: string): string {
  return `"${text.replace(/[\\"$`]/g, "\\$&")}"`;
}

/** Text to go inside a double-quoted bash word, every character literal (`"$out/${inDoubleQuotes(name)}"`). */
export function inDoubleQuotes(text: string): string {
  return text.replace(/[\\"$`]/g, "\\$&");
}

export const LITERAL_DIRECTIVE = "# shellcheck disable=SC2016,SC1003 # quoted values are literal text, not to be expanded or escaped";

/** A generated line, with the directive before it when it quotes a `$` or a backtick. */
export function literal(line: string): string[] {
  return quotesExpansion(line) ? [LITERAL_DIRECTIVE, line] : [line];
}

/**
 * Whether shell text holds a `$` or a backtick inside single quotes (SC2016), or a backslash
 * just before a closing one (SC1003), which shellcheck takes for mistakes: a value quoted
 * into a line is literal text, never to be expanded or escaped.
 */
export function quotesExpansion(text: string): boolean {
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = "";
      else if (c === "$" || c === "`" || (c === "\\" && text[i + 1] === "'")) return true;
    } else if (c === "\\") i++;
    else if (quote === '"') {
      if (c === '"') quote = "";
    } else if (c === "'" || c === '"') quote = c;
  }
  return false;
}
