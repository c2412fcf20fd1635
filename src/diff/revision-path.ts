// The `REV:path` form of a side of `pipe diff`, told apart from a file name without loading
// git-revision.ts (and what it loads), which only a side taken from git needs.

export interface RevisionPath {
  /** Empty for the index (`:path`). */
  readonly rev: string;
  readonly path: string;
}

/** `HEAD~1:examples/sweep.pipe` → {rev, path}; undefined when the text is not of that form. */
export function parseRevisionPath(text: string): RevisionPath | undefined {
  const colon = text.indexOf(":");
  if (colon < 0 || colon === text.length - 1) return undefined;
  return { rev: text.slice(0, colon), path: text.slice(colon + 1) };
}
