// The rule that `zip` never cuts, for lists whose lengths are known only when a task has
// run (an upstream `List` output): the message a dynamic loop fails with. Lengths known
// when planning are reported as a diagnostic instead (check/pipelines.ts, `zipMismatch`).

import { Diag } from "../diagnostics/catalog.js";

/** Why the loop `loop` cannot zip lists of these lengths, or undefined when they agree. */
export function zipLengthsProblem(loop: string, lengths: readonly number[]): string | undefined {
  if (lengths.every((n) => n === lengths[0])) return undefined;
  return `${loop}: ${Diag.zipLengths(lengths).message}: \`zip\` pairs values one to one and drops none`;
}
