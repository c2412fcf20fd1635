// Array operations that hold at any length. Spreading an array into a call's arguments
// (`xs.push(...ys)`, `Math.max(...xs)`) puts every element on the stack, which overflows
// ("Maximum call stack size exceeded") past about 100,000 elements: far below the plan's
// task limit. test/project/spread-calls.test.ts keeps such spreads out of src/.

/** Appends `items` to `into`, one by one, and returns `into`. */
export function append<T>(into: T[], items: Iterable<T>): T[] {
  for (const x of items) into.push(x);
  return into;
}

/** The largest of `xs` and `start`, as `Math.max(start, ...xs)` would be. */
export function maxOf(xs: Iterable<number>, start = -Infinity): number {
  let max = start;
  for (const x of xs) if (x > max) max = x;
  return max;
}

/** The smallest of `xs` and `start`, as `Math.min(start, ...xs)` would be. */
export function minOf(xs: Iterable<number>, start = Infinity): number {
  let min = start;
  for (const x of xs) if (x < min) min = x;
  return min;
}
