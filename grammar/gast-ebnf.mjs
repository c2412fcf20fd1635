// Renders chevrotain's serialized grammar (what `PipeParser` actually recorded) as W3C EBNF
// productions. test/syntax/grammar.test.ts compares these with the syntactic productions of
// grammar/pipe.ebnf, so the hand-written reference grammar cannot drift from the parser;
// `node grammar/gast-ebnf.mjs` prints them (after `npx tsc -p .`) to paste when it has.
//
// Gates (GATE, lookahead checks on token text) do not appear in chevrotain's serialization,
// so they are not compared: the EBNF states them in comments.

import { pathToFileURL } from "node:url";

/**
 * The literal text a token pattern matches if it matches exactly one string (`->`, `(`,
 * `import`), else undefined (`Identifier`, `Int`, strings). Literal tokens are written
 * quoted in the EBNF, the others by token name.
 */
export function literalOf(pattern) {
  const source = typeof pattern === "string" ? pattern : pattern instanceof RegExp ? pattern.source : undefined;
  if (source === undefined) return undefined;
  // With escaped characters removed, any operator left means the pattern is not a literal.
  if (/[\\[*+?|^$.()]|\{\d/.test(source.replace(/\\[^A-Za-z0-9]/g, ""))) return undefined;
  const text = source.replace(/\\([^A-Za-z0-9])/g, "$1");
  return new RegExp(`^(?:${source})$`).test(text) ? text : undefined;
}

/** `"x"`, or `'x'` when the text holds a double quote (W3C EBNF has no escapes). */
export function quote(text) {
  return text.includes('"') ? `'${text}'` : `"${text}"`;
}

function terminal(node) {
  const literal = literalOf(node.pattern);
  return literal === undefined ? node.name : quote(literal);
}

/** Alternatives of an alternation, with nested alternations spliced in (`a | (b | c)` is `a | b | c`). */
function alternatives(node) {
  return node.definition.flatMap((alt) =>
    alt.definition.length === 1 && alt.definition[0].type === "Alternation" ? alternatives(alt.definition[0]) : [alt.definition],
  );
}

function sequence(items) {
  return items.map(item).join(" ");
}

/** A sequence as one unit: a name or literal as it is, anything longer in parentheses. */
function unit(items) {
  if (items.length === 1 && (items[0].type === "Terminal" || items[0].type === "NonTerminal")) return item(items[0]);
  if (items.length === 1 && items[0].type === "Alternation") return item(items[0]);
  return `( ${sequence(items)} )`;
}

function item(node) {
  switch (node.type) {
    case "Terminal":
      return terminal(node);
    case "NonTerminal":
      return node.name;
    case "Alternation":
      return `( ${alternatives(node).map(sequence).join(" | ")} )`;
    case "Option":
      return `${unit(node.definition)}?`;
    case "Repetition":
      return `${unit(node.definition)}*`;
    case "RepetitionMandatory":
      return `${unit(node.definition)}+`;
    case "RepetitionWithSeparator":
      return `( ${sequence(node.definition)} ( ${terminal(node.separator)} ${sequence(node.definition)} )* )?`;
    case "RepetitionMandatoryWithSeparator":
      return `${sequence(node.definition)} ( ${terminal(node.separator)} ${sequence(node.definition)} )*`;
    default:
      throw new Error(`unknown grammar node ${node.type}`);
  }
}

/** The right-hand side of one rule; a rule that is a single choice is written without parentheses. */
export function ruleBody(rule) {
  const body = rule.definition;
  if (body.length === 1 && body[0].type === "Alternation") return alternatives(body[0]).map(sequence).join(" | ");
  return sequence(body);
}

/** `name ::= body`, one per parser rule, in the parser's order (arguments as for diagramsHtml). */
export function productions(ParserClass, ...args) {
  const parser = new ParserClass(...args);
  return parser.getSerializedGastProductions().map((rule) => ({ name: rule.name, body: ruleBody(rule) }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { PipeParser } = await import("../dist/syntax/parser.js");
  const rows = productions(PipeParser);
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`${r.name.padEnd(width)} ::= ${r.body}`);
}
