// The formatter: golden fixtures (test/fixtures/format/<case>/_input.pipe → _output.pipe;
// UPDATE_GOLDEN=1 rewrites the outputs), idempotence on every fixture, example and standard
// library module, and comments that survive wherever they are written.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatText } from "../../src/format/index.js";
import { lexer } from "../../src/syntax/tokens.js";
import { expectGolden } from "../golden.js";
import { pipeFilesUnder } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const casesDir = path.join(root, "test", "fixtures", "format");
const relative = (file: string) => path.relative(root, file);

/** The comments of a text, trailing blanks aside, in sorted order (a comment may move above its statement). */
function commentsOf(text: string): string[] {
  return (lexer.tokenize(text).groups["comments"] ?? []).map((t) => t.image.trimEnd()).sort();
}

async function format(text: string, file = "test.pipe"): Promise<string> {
  const result = await formatText(text, file);
  if (result.formatted === undefined) throw new Error(`${file}: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.formatted;
}

const cases = fs.readdirSync(casesDir).filter((name) => fs.existsSync(path.join(casesDir, name, "_input.pipe"))).sort();
const programs = [
  ...pipeFilesUnder(path.join(root, "examples")),
  ...pipeFilesUnder(path.join(root, "test", "fixtures", "valid")),
  ...pipeFilesUnder(path.join(root, "stdlib")),
];

describe("format fixtures", () => {
  it("has at least ten cases", () => expect(cases.length).toBeGreaterThanOrEqual(10));

  for (const name of cases) {
    it(name, async () => {
      const input = fs.readFileSync(path.join(casesDir, name, "_input.pipe"), "utf8");
      const outputFile = path.join(casesDir, name, "_output.pipe");
      const formatted = await format(input, `${name}/_input.pipe`);
      expectGolden(outputFile, formatted);
      expect(await format(formatted), "formatting twice changes nothing").toBe(formatted);
      expect(commentsOf(formatted)).toEqual(commentsOf(input));
    });
  }
});

describe("formatting twice changes nothing", () => {
  for (const file of programs) {
    it(relative(file), async () => {
      const text = fs.readFileSync(file, "utf8");
      const once = await format(text, file);
      expect(await format(once, file)).toBe(once);
      expect(commentsOf(once)).toEqual(commentsOf(text));
    });
  }
});

describe("comments survive anywhere", () => {
  // A comment after every token, at the end of its line or on a line of its own (alternately):
  // each is kept, the program is unchanged (formatText proves it), and the result is stable.
  for (const file of programs) {
    it(relative(file), async () => {
      const text = fs.readFileSync(file, "utf8");
      const tokens = lexer.tokenize(text).tokens;
      for (const [i, token] of tokens.entries()) {
        const at = token.startOffset + token.image.length;
        const comment = i % 2 === 0 ? ` # after ${i}\n` : `\n# after ${i}\n`;
        const source = text.slice(0, at) + comment + text.slice(at);
        const once = await format(source, file);
        expect(commentsOf(once), `a comment after \`${token.image}\` (token ${i})`).toEqual(commentsOf(source));
        expect(await format(once, file), `a comment after \`${token.image}\` (token ${i})`).toBe(once);
      }
    });
  }
});

describe("layout details", () => {
  it("leaves a file without declarations with its comments only", async () => {
    expect(await format("")).toBe("");
    expect(await format("# one\n\n\n# two   \n")).toBe("# one\n\n# two\n");
  });

  it("reads CRLF line ends and writes LF", async () => {
    const crlf = 'action a() -> (o: File) {\r\n  shell """\r\n    echo hi > ~{out.o}\r\n  """\r\n}\r\n';
    expect(await format(crlf)).toBe(crlf.replace(/\r\n/g, "\n"));
  });

  it("keeps a triple-quoted block byte for byte when re-indenting it would change its value", async () => {
    // With no non-blank line, nothing is dedented: the blanks are the value.
    const text = 'action a(x: String = """   """) -> (o: File) {\n  shell "echo ~{x} > ~{out.o}"\n}\n';
    expect(await format(text)).toBe(text);
  });

  it("reports syntax errors instead of formatting", async () => {
    const result = await formatText("action a( {\n", "bad.pipe");
    expect(result.formatted).toBeUndefined();
    expect(result.diagnostics.length).toBeGreaterThan(0);
  });
});
