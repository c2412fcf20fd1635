// ts-morph, loaded on first use: it carries the TypeScript compiler, a second to load, so
// only programs that have TypeScript actions pay for it.

import { createRequire } from "node:module";
import type * as Morph from "ts-morph";

let loaded: typeof Morph | undefined;

export const morph = (): typeof Morph => (loaded ??= createRequire(import.meta.url)("ts-morph") as typeof Morph);

export type { Morph };
