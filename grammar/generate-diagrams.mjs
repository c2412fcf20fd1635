#!/usr/bin/env node
// Writes grammar/diagrams.html from the built parser (dist/, so run `npx tsc -p .` first).
// The page is committed so the grammar can be browsed without a build; test/syntax/grammar.test.ts
// fails when it no longer matches src/syntax/parser.ts.

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { diagramsHtml } from "./diagrams.mjs";

let PipeParser;
try {
  ({ PipeParser } = await import("../dist/syntax/parser.js"));
} catch (error) {
  console.error(`cannot load dist/syntax/parser.js (${error.message}); run \`npx tsc -p .\` first`);
  process.exit(1);
}

const target = fileURLToPath(new URL("./diagrams.html", import.meta.url));
writeFileSync(target, diagramsHtml(PipeParser));
console.log(`wrote ${target}`);
