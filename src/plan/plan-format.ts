// The plan document's format tag, in a module of its own that loads no schema: `pipe diff`
// tells a plan file from other JSON without loading zod.

export const PLAN_FORMAT = "pipe-plan/1";
