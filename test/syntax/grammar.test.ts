// Keeps grammar/ true to the parser: the committed railroad page is regenerated and compared,
// the EBNF's syntactic productions are compared with the rules chevrotain recorded, every
// token and keyword must be documented in the EBNF and known to the TextMate grammar, and
// the TextMate grammar is run through the engine VS Code uses on real examples.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { TokenType } from "chevrotain";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";
import { beforeAll, describe, expect, it } from "vitest";
import { diagramsHtml } from "../../grammar/diagrams.mjs";
import { literalOf, productions, quote } from "../../grammar/gast-ebnf.mjs";
import { parse } from "../../src/syntax/index.js";
import { Lexer } from "../../src/syntax/chevrotain.js";
import { PipeParser } from "../../src/syntax/parser.js";
import * as T from "../../src/syntax/tokens.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const read = (relative: string): string => readFileSync(path.join(root, relative), "utf8");

/** Keywords are the tokens that yield to a longer identifier (`in` vs `index`). */
const keywords = T.allTokens.filter((t) => t.LONGER_ALT === T.Identifier).map((t) => literalOf(t.PATTERN)!);
/** Identifiers given meaning by position; documented like keywords though the lexer does not reserve them. */
const contextualWords = ["uses", "shell", "resources", "env", "retries", "cache", "ts", "zip", "raw"];
const builtinTypes = ["Int", "Float", "Bool", "String", "File", "Dir", "List"];

// ---- the EBNF, read just enough to compare it ----

interface Production {
  readonly name: string;
  readonly tokens: string[];
}

function ebnfProductions(text: string): Map<string, Production> {
  const bare = text.replace(/\/\*[\s\S]*?\*\//g, " ");
  const heads = [...bare.matchAll(/^([A-Za-z][A-Za-z0-9]*)\s*::=/gm)];
  const result = new Map<string, Production>();
  heads.forEach((head, i) => {
    const body = bare.slice(head.index! + head[0].length, heads[i + 1]?.index ?? bare.length);
    result.set(head[1]!, { name: head[1]!, tokens: ebnfTokens(body) });
  });
  return result;
}

const tokenLiterals = new Set(T.allTokens.map((t) => literalOf(t.PATTERN)).filter((l): l is string => l !== undefined));

/** Splits a production body; a quoted word that is no token's literal is a contextual word, i.e. an Identifier. */
function ebnfTokens(body: string): string[] {
  return [...body.matchAll(/"[^"]*"|'[^']*'|\[[^\]]*\]|#x[0-9A-Fa-f]+|[A-Za-z_][A-Za-z0-9_]*|[()|?*+-]/g)].map(([token]) => {
    if (!/^["']/.test(token)) return token;
    const text = token.slice(1, -1);
    if (tokenLiterals.has(text)) return quote(text);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text) ? "Identifier" : quote(text);
  });
}

const ebnfText = read("grammar/pipe.ebnf");
const ebnf = ebnfProductions(ebnfText);

// ---- the TextMate grammar, as data ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const tmText = read("grammar/pipe.tmLanguage.json");
const configText = read("grammar/language-configuration.json");

/** Every regex in a grammar: the values of match, begin, end and while keys, with where they are. */
function regexesOf(node: Json, at = ""): { at: string; source: string }[] {
  if (Array.isArray(node)) return node.flatMap((child, i) => regexesOf(child, `${at}[${i}]`));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) =>
    ["match", "begin", "end", "while"].includes(key) && typeof value === "string" ? [{ at: `${at}.${key}`, source: value }] : regexesOf(value, `${at}.${key}`),
  );
}

describe("the parser's grammar", () => {
  it("passes chevrotain's validations (skipped when pipe runs)", () => {
    const parser = new PipeParser({ end: "end of file", after: "a declaration" }, true);
    expect(parser.definitionErrors).toEqual([]);
  });

  it("has tokens that pass chevrotain's lexer validations (skipped when pipe runs)", () => {
    const checked = new Lexer(T.allTokens, { ...T.lexerConfig, skipValidations: false, deferDefinitionErrorsHandling: true });
    expect(checked.lexerDefinitionErrors).toEqual([]);
    expect(checked.lexerDefinitionWarning).toEqual([]);
  });

  it("names, for every token that is a regular expression, each character a match of it begins with, and no other", () => {
    // Followed by each of these, a character begins a match when the pattern matches there.
    const rests = ["", "a", "0", ".0", "e1", '"', '""', '"""""', "=", ">", " "];
    for (const token of T.allTokens) {
      const pattern = token.PATTERN;
      if (!(pattern instanceof RegExp)) continue;
      const sticky = new RegExp(pattern.source, "y");
      const begins = (c: string) => rests.some((rest) => {
        sticky.lastIndex = 0;
        return sticky.test(c + rest);
      });
      const found = Array.from({ length: 0x10000 }, (_, code) => String.fromCharCode(code)).filter(begins);
      expect([...(token.START_CHARS_HINT ?? [])].sort(), token.name).toEqual(found.sort());
    }
  });
});

describe("grammar/diagrams.html", () => {
  it("is what grammar/generate-diagrams.mjs makes from the current parser", () => {
    const committed = read("grammar/diagrams.html");
    const fresh = diagramsHtml(PipeParser);
    expect(committed === fresh, "grammar/diagrams.html is stale: run `npx tsc -p . && node grammar/generate-diagrams.mjs` and commit it").toBe(true);
  });

  it("is deterministic", () => {
    const html = diagramsHtml(PipeParser);
    expect(diagramsHtml(PipeParser)).toBe(html);
    expect(html).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}:\d{2}/);
    expect(html).not.toContain(root);
  });
});

describe("grammar/pipe.ebnf", () => {
  const recorded = productions(PipeParser);

  it("has a production for every parser rule", () => {
    const missing = recorded.filter((r) => !ebnf.has(r.name)).map((r) => `${r.name} ::= ${r.body}`);
    expect(missing, "add these productions to grammar/pipe.ebnf").toEqual([]);
  });

  it.each(recorded.map((r) => [r.name, r.body]))("writes rule %s as the parser implements it", (name, body) => {
    const written = ebnf.get(name);
    if (!written) return; // reported above
    expect(written.tokens.join(" "), `grammar/pipe.ebnf should read: ${name} ::= ${body}`).toBe(ebnfTokens(body).join(" "));
  });

  it("lists exactly the lexer's keywords in Keyword", () => {
    const listed = ebnf.get("Keyword")?.tokens.filter((t) => t.startsWith('"')).map((t) => t.slice(1, -1));
    expect(listed?.sort()).toEqual([...keywords].sort());
  });

  it("documents every token: literals quoted, the others as productions", () => {
    const undocumented = T.allTokens
      .filter((t: TokenType) => t.GROUP !== "unterminated")
      .filter((t) => {
        const literal = literalOf(t.PATTERN);
        return literal === undefined ? !ebnf.has(t.name) : !ebnfText.includes(quote(literal));
      })
      .map((t) => t.name);
    expect(undocumented).toEqual([]);
  });

  it("documents every keyword and contextual word", () => {
    const absent = [...keywords, ...contextualWords].filter((w) => !ebnfText.includes(`"${w}"`));
    expect(absent).toEqual([]);
  });
});

describe("grammar/pipe.tmLanguage.json", () => {
  const grammar = JSON.parse(tmText) as { [key: string]: Json };
  const regexes = regexesOf(grammar);

  it("is a TextMate grammar for .pipe files", () => {
    expect(grammar["scopeName"]).toBe("source.pipe");
    expect(grammar["fileTypes"]).toEqual(["pipe"]);
    expect(regexes.length).toBeGreaterThan(20);
  });

  it("compiles every regex as a JavaScript RegExp (unicode mode, so Oniguruma-only escapes fail)", () => {
    const failures: string[] = [];
    for (const { at, source } of regexes) {
      try {
        new RegExp(source, "u");
        if (/\[\[:|\(\?>|[*+?}][+]/.test(source)) failures.push(`${at}: Oniguruma-only syntax in ${source}`);
      } catch (error) {
        failures.push(`${at}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("captures only groups that exist", () => {
    const failures: string[] = [];
    const visit = (node: Json): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (node === null || typeof node !== "object") return;
      for (const [regexKey, capturesKey] of [["match", "captures"], ["begin", "beginCaptures"], ["end", "endCaptures"], ["begin", "captures"]] as const) {
        const source = node[regexKey];
        const captures = node[capturesKey];
        if (typeof source !== "string" || !captures || typeof captures !== "object") continue;
        const groups = new RegExp(`${source}|`, "u").exec("")!.length - 1;
        for (const key of Object.keys(captures)) if (Number(key) > groups) failures.push(`${capturesKey} ${key} of ${source}`);
      }
      Object.values(node).forEach(visit);
    };
    visit(grammar);
    expect(failures).toEqual([]);
  });

  it("resolves every include", () => {
    const repository = grammar["repository"] as { [key: string]: Json };
    const includes = [...tmText.matchAll(/"include":\s*"#([^"]+)"/g)].map((m) => m[1]!);
    expect(includes.filter((name) => !(name in repository))).toEqual([]);
  });

  it("names every keyword, contextual word and built-in type in a regex", () => {
    const named = (word: string) => regexes.some(({ source }) => new RegExp(`(?:^|[(|:])${word}(?=[|)])`).test(source));
    expect([...keywords, ...contextualWords, ...builtinTypes].filter((w) => !named(w))).toEqual([]);
  });

  it("has a language configuration whose patterns compile as JavaScript RegExps (VS Code reads them so)", () => {
    const config = JSON.parse(configText) as { [key: string]: Json };
    expect(config["comments"]).toEqual({ lineComment: "#" });
    const patterns = (node: Json): string[] =>
      node === null || typeof node !== "object"
        ? []
        : Object.entries(node).flatMap(([key, value]) => (key.endsWith("Pattern") && typeof value === "string" ? [value] : patterns(value)));
    const found = patterns(config);
    expect(found.length).toBeGreaterThan(0);
    for (const source of found) expect(() => new RegExp(source, "u"), source).not.toThrow();
  });
});

// ---- the TextMate grammar in the engine VS Code runs ----

interface Token {
  readonly text: string;
  readonly scopes: readonly string[];
}

let pipeGrammar: textmate.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(createRequire(import.meta.url).resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => (scopeName === "source.pipe" ? textmate.parseRawGrammar(tmText, "pipe.tmLanguage.json") : null),
  });
  const loaded = await registry.loadGrammar("source.pipe");
  if (!loaded) throw new Error("source.pipe did not load");
  pipeGrammar = loaded;
});

function tokenize(text: string): Token[][] {
  let stack = textmate.INITIAL;
  return text.split("\n").map((line) => {
    const result = pipeGrammar.tokenizeLine(line, stack);
    stack = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

function lineWith(lines: Token[][], marker: string): Token[] {
  const line = lines.find((l) => l.map((t) => t.text).join("").includes(marker));
  if (!line) throw new Error(`no line contains ${JSON.stringify(marker)}`);
  return line;
}

/** The nth token (from 0) whose text is `text`, on the first line containing `marker`. */
function tokenOn(lines: Token[][], marker: string, text: string, nth = 0): Token {
  const token = lineWith(lines, marker).filter((t) => t.text === text)[nth];
  if (!token) throw new Error(`no token ${JSON.stringify(text)} #${nth} on the line with ${JSON.stringify(marker)}`);
  return token;
}

const hasScope = (token: Token, prefix: string): boolean => token.scopes.some((s) => s.startsWith(prefix));

// Touches every construct the highlighter distinguishes; it must parse, so it stays real `.pipe`.
const sample = `# Every construct the highlighter distinguishes.
import "std/python.pipe"
import "./lib/common.pipe" as common

action prepare(src: File, seed: Int = 0, val_frac: Float = 0.2, cache: Bool = true) -> (data: Dir, n: Int) {
  uses "scripts/prep.py", "scripts/~{not_here}.py"
  resources { cpus = 2, mem = "4G", time = "30m" }
  env { MODE = "fast" }
  retries = 2
  cache = false
  shell """
    python scripts/prep.py --src ~{src} --seed ~{seed} --val ~{val_frac} \\
      --out ~{out.data} --count ~{out.n} ~{raw("2>&1")} \\
      ~{flag("--seed", seed)} ~{if cache then "on" else "off"} ~~{kept}
  """
}
action best_index(scores: List[Float]) -> (index: Int) = ts "./actions/select.ts#bestIndex"
action summarize = ts "./actions/report.ts#summarize"
pipeline main(src: File = "data/x.csv", lrs: List[Float] = [1e-3, 1e-4], opt: {lr: Float, bs: Int}? = none) -> (best: Int) {
  with { seed = 42 }
  let d = prepare(src = src) resources { mem = "8G" }
  let runs = for (lr, bs) in zip(lrs, [32, 64]) { train(data = d.data, lr = -lr, bs = bs) }
  let more = for f in glob("data/*.csv") + [src] { prepare(src = f, seed = if len(lrs) > 1 and not (lrs[0] == 0.1 or false) then 1 else 2) }
  let b = best_index(scores = runs.acc)
  return (best = b.index)
}
`;

describe("highlighting with vscode-textmate", () => {
  it("compiles every regex under Oniguruma too", () => {
    const failures: string[] = [];
    for (const { at, source } of regexesOf(JSON.parse(tmText) as Json)) {
      try {
        new oniguruma.OnigScanner([source]).dispose();
      } catch (error) {
        failures.push(`${at}: ${String(error)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("scopes examples/sweep/main.pipe: `~{lr}` embedded in the shell string, `#` a comment", () => {
    const lines = tokenize(read("examples/sweep/main.pipe"));
    const lr = tokenOn(lines, "~{lr}", "lr");
    expect(lr.scopes).toContain("string.quoted.double.pipe");
    expect(hasScope(lr, "meta.embedded")).toBe(true);
    expect(hasScope(tokenOn(lines, "~{lr}", "~{"), "punctuation.section.embedded.begin")).toBe(true);
    expect(hasScope(tokenOn(lines, "~{lr}", "}"), "punctuation.section.embedded.end")).toBe(true);
    expect(hasScope(tokenOn(lines, "~{out.score}", "out"), "variable.language.out")).toBe(true);
    const comment = lines[0]!;
    expect(comment.every((t) => hasScope(t, "comment.line.number-sign"))).toBe(true);
  });

  it("parses the sample, so the expectations below are about real .pipe", () => {
    expect(parse(sample, "sample.pipe").diagnostics).toEqual([]);
  });

  it("scopes every keyword as a keyword, storage type or language constant", () => {
    const lines = tokenize(sample);
    const scoped = (word: string) =>
      lines.flat().some((t) => t.text === word && t.scopes.some((s) => /^(keyword|storage\.type|constant\.language)\./.test(s)));
    expect(keywords.filter((w) => !scoped(w)), "scoped nowhere in the sample (add it there if it is new)").toEqual([]);
  });

  it("embeds `~{...}` only in shell strings, triple-quoted ones included", () => {
    const lines = tokenize(sample);
    expect(lineWith(lines, 'uses "scripts').some((t) => hasScope(t, "meta.embedded"))).toBe(false);
    const src = tokenOn(lines, "--src ~{src}", "src");
    expect(src.scopes).toContain("string.quoted.triple.pipe");
    expect(hasScope(src, "meta.embedded")).toBe(true);
    expect(hasScope(tokenOn(lines, "~{raw(", "raw"), "support.function.builtin")).toBe(true);
    expect(hasScope(tokenOn(lines, "~{raw(", "2>&1"), "string.quoted.double")).toBe(true);
    expect(hasScope(tokenOn(lines, "--out ~{out.data}", "data"), "variable.other.member.output")).toBe(true);
  });

  it("scopes expressions inside `~{...}` and `~~{` as a literal", () => {
    const lines = tokenize(sample);
    expect(hasScope(tokenOn(lines, "~{flag(", "flag"), "support.function.builtin")).toBe(true);
    expect(hasScope(tokenOn(lines, "~{if cache", "if"), "keyword.control.conditional")).toBe(true);
    expect(hasScope(tokenOn(lines, "~{if cache", "else"), "keyword.control.conditional")).toBe(true);
    const escape = tokenOn(lines, "~~{kept}", "~~{");
    expect(hasScope(escape, "constant.character.escape")).toBe(true);
    expect(hasScope(tokenOn(lines, "~~{kept}", "kept}"), "meta.embedded")).toBe(false);
    expect(hasScope(tokenOn(lines, "glob(", "glob"), "support.function.builtin")).toBe(true);
    expect(hasScope(tokenOn(lines, "glob(", ">"), "keyword.operator.comparison")).toBe(true);
    expect(hasScope(tokenOn(lines, "glob(", "and"), "keyword.operator.logical")).toBe(true);
  });

  it("scopes contextual words by position", () => {
    const lines = tokenize(sample);
    expect(hasScope(tokenOn(lines, "action prepare", "cache"), "variable.parameter")).toBe(true);
    expect(hasScope(tokenOn(lines, "cache = false", "cache"), "keyword.other.action-item")).toBe(true);
    for (const word of ["uses", "resources", "env", "retries", "shell"]) {
      expect(hasScope(tokenOn(lines, `  ${word}`, word), "keyword.other.action-item"), word).toBe(true);
    }
    expect(hasScope(tokenOn(lines, "prepare(src = src) resources", "resources"), "keyword.other.resources")).toBe(true);
    expect(hasScope(tokenOn(lines, "#bestIndex", "ts"), "keyword.other.ts")).toBe(true);
    expect(hasScope(tokenOn(lines, "zip(lrs", "zip"), "support.function.builtin")).toBe(true);
    expect(hasScope(tokenOn(lines, "as common", "common"), "entity.name.namespace")).toBe(true);
    expect(hasScope(tokenOn(lines, "opt:", "none"), "constant.language.none")).toBe(true);
    expect(hasScope(tokenOn(lines, "1e-3", "1e-3"), "constant.numeric.float")).toBe(true);
    expect(hasScope(tokenOn(lines, "(index: Int)", "index"), "variable.parameter")).toBe(true);
  });

  it("starts every declaration afresh in the sample and in every example (no string or block leaks)", () => {
    const files = readdirSync(path.join(root, "examples"), { recursive: true, encoding: "utf8" })
      // `.pipe/` directories (a project's store and records) end like program files.
      .filter((f) => f.endsWith(".pipe") && statSync(path.join(root, "examples", f)).isFile())
      .map((f) => ({ name: f, text: read(path.join("examples", f)) }));
    for (const { name, text } of [{ name: "sample", text: sample }, ...files]) {
      tokenize(text).forEach((line, i) => {
        const first = line[0]!;
        const kind = /^(action|pipeline)$/.exec(first.text)?.[1];
        if (!kind) return;
        expect(first.scopes, `${name}:${i + 1}`).toEqual(["source.pipe", `meta.${kind}.pipe`, `storage.type.${kind}.pipe`]);
        expect(hasScope(line[2]!, `entity.name.function.${kind}`), `${name}:${i + 1}`).toBe(true);
      });
    }
  });
});
