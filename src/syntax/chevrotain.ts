// chevrotain, loaded from the single-file build its package ships. The package's entry
// point loads lodash-es as hundreds of separate modules, which costs every `pipe` command
// a few hundred milliseconds at start; the bundled build is the same code in one file.

import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Chevrotain from "chevrotain";

const entry = createRequire(import.meta.url).resolve("chevrotain");
const bundled = pathToFileURL(path.join(path.dirname(entry), "..", "chevrotain.mjs")).href;
const chevrotain = (await import(bundled)) as typeof Chevrotain;

export const { createToken, EmbeddedActionsParser, EOF, Lexer, LLkLookaheadStrategy } = chevrotain;
