// Prettier's doc builders, in one place, and the type of the `print` callback every printer
// module receives.

import { doc, type AstPath, type Doc } from "prettier";

export const { breakParent, conditionalGroup, dedentToRoot, group, hardline, ifBreak, indent, join, line, lineSuffix, literalline, markAsRoot, softline } = doc.builders;

export type { AstPath, Doc };

/** Prints the child at `selector` (a property name or a path to it), with optional `args`. */
export type Print = (selector?: string | number | (string | number)[] | AstPath, args?: PrintArgs) => Doc;

export interface PrintArgs {
  /** A record literal used as a block (`resources`, `env`, call-site resources): `{ a = 1 }`. */
  readonly spaced?: boolean;
}

/** The docs of the children in the array property `key`. */
export function printEach(path: AstPath, print: Print, key: string): Doc[] {
  // `path.map(print, key)` would hand each index to `print` as its `args`.
  return (path as AstPath<Record<string, unknown[]>>).map(() => print(), key as never);
}
