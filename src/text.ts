// Texts: trimming the end of one without a regular expression (one anchored at the end,
// `/\n+$/`, is tried again at every character of a run that does not reach the end, in time
// quadratic in the run's length: minutes for a value with 200,000 blank lines inside), and
// joining a text made of pieces.

/** `text` without the characters of `chars` at its end. */
export function trimEndOf(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/** `text` without the characters of `chars` at its start and its end. */
export function trimOf(text: string, chars: string): string {
  const end = trimEndOf(text, chars);
  let start = 0;
  while (start < end.length && chars.includes(end[start]!)) start++;
  return end.slice(start);
}

/**
 * `text` in one piece. A text made by appending (an id, a command, a line of output, a
 * key's text: a fan-in's, one piece per upstream value) is a tree of its pieces until read;
 * once joined, the collector keeps one string, not every piece, and copies none of them
 * while the text waits to be used (half the memory of a sweep's commands).
 */
export function flat(text: string): string {
  // Reading a character makes V8 join the pieces in place.
  text.charCodeAt(0);
  return text;
}
