// The railroad-diagram page of the grammar, as a string. Shared by generate-diagrams.mjs,
// which writes it from the built parser, and test/syntax/grammar.test.ts, which renders it from
// the TypeScript source and compares, so both must go through this one function.
//
// Chevrotain's page loads its drawing scripts from a CDN; the URLs are pinned to the
// installed chevrotain version (the serialized grammar format belongs to that version), so
// the output depends on nothing but the parser and the lockfile: no clock, no paths.

import { createSyntaxDiagramsCode, VERSION } from "chevrotain";

const GENERATED = "<!-- This is a generated file -->";
const HEADER =
  "<!-- Railroad diagrams of the .pipe grammar (src/syntax/parser.ts). Generated; do not edit.\n" +
  "     Regenerate with: npx tsc -p . && node grammar/generate-diagrams.mjs -->";

/**
 * The page for one new instance of `ParserClass`. Constructor arguments, if given, are passed
 * on; none are needed, because the recorded rules do not depend on them.
 */
export function diagramsHtml(ParserClass, ...args) {
  const productions = new ParserClass(...args).getSerializedGastProductions();
  const base = `https://unpkg.com/chevrotain@${VERSION}/diagrams/`;
  const html = createSyntaxDiagramsCode(productions, { resourceBase: base, css: `${base}diagrams.css` });
  if (!html.includes(GENERATED)) throw new Error("chevrotain's diagram page changed shape; update grammar/diagrams.mjs");
  const page = html
    .replace(GENERATED, HEADER)
    .replace("<meta charset=\"utf-8\">", "<meta charset=\"utf-8\">\n<title>.pipe grammar</title>")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
  return page.trim() + "\n";
}
