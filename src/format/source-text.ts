// What the formatter keeps from the layout of the source: where a blank line separates two
// statements, items, imports or comments (several blank lines count as one).

/** Whether the line after the one where `end` falls (past a trailing comment) is blank. */
export function blankLineAfter(text: string, end: number): boolean {
  let i = end;
  while (text[i] === " " || text[i] === "\t") i++;
  if (text[i] === "#") while (i < text.length && text[i] !== "\n") i++;
  if (text[i] !== "\n") return false;
  i++;
  while (text[i] === " " || text[i] === "\t" || text[i] === "\r") i++;
  return text[i] === "\n";
}
