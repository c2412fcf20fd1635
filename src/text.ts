// Trimming the end of a text without a regular expression: one anchored at the end
// (`/\n+$/`) is tried again at every character of a run that does not reach the end, in
// time quadratic in the run's length (minutes for a value with 200,000 blank lines inside).

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
