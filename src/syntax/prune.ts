// Removes what error recovery left half-built. When a sub-rule fails, chevrotain resyncs
// and the sub-rule yields `undefined`, so the node around it lacks a part. Such a node is
// dropped from the nearest list that holds it (a declaration, statement, parameter,
// argument, list item), and so on upwards, so later phases only ever see whole nodes.
// The syntax error that caused it has been reported already.
//
// Optional AST fields are left out rather than set to `undefined` (see parser.ts), so a
// property whose value is `undefined` always means "recovery lost this part".

/** Lists whose elements pair up with another list's by position: one lost element spoils the node. */
const positional = new Set(["sources", "vars"]);

/** Drops incomplete elements of `items` in place and returns it (only needed after a syntax error). */
export function pruneIncomplete<T>(items: T[]): T[] {
  keepWhole(items);
  return items;
}

function whole(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) return keepWhole(value);
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (Array.isArray(child) && positional.has(key) ? !child.every(whole) : !whole(child)) return false;
  }
  return true;
}

/** Keeps the whole elements of a list; a list itself is always whole. */
function keepWhole(items: unknown[]): true {
  let kept = 0;
  for (const item of items) if (whole(item)) items[kept++] = item;
  items.length = kept;
  return true;
}
