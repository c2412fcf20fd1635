// The prettier plugin for `.pipe` files: the `pipe` language, the `pipe` parser and the
// `pipe-ast` printer. `pipe fmt` uses it; so can prettier itself:
//
//   npx prettier --plugin ./dist/format/plugin.js --write FILE.pipe

import type { Plugin, SupportLanguage } from "prettier";
import { pipeParser, type CommentNode } from "./parser.js";
import { pipePrinter } from "./printer.js";
import type { Node } from "./tree.js";

export const languages: SupportLanguage[] = [{ name: "pipe", parsers: ["pipe"], extensions: [".pipe"], vscodeLanguageIds: ["pipe"] }];

export const parsers = { pipe: pipeParser };

export const printers = { "pipe-ast": pipePrinter };

/** The house style: what `pipe fmt` passes, and the defaults when prettier loads the plugin. */
export const defaultOptions = { printWidth: 100, tabWidth: 2, useTabs: false, endOfLine: "lf" } as const;

const plugin: Plugin<Node | CommentNode> = { languages, parsers, printers, defaultOptions };

export default plugin;
