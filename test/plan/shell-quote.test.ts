// The shell module: every quoted word reads back as its text in bash, single-quoted words are
// as short as shlex.quote makes them, and the shellcheck directive is asked for exactly when a
// single-quoted value holds what shellcheck would flag.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { doubleQuote, LITERAL_DIRECTIVE, literal, quotesExpansion, shellQuote } from "../../src/shell/quote.js";

const awkward = ["plain", "data/x.csv", "", "two words", "it's", "'", "''", "$HOME", "`id`", "a\\", "back\\'slash", "tab\there", "new\nline", "*.csv", "!x", '"q"', "~user", "ünïcödé", "a;b|c&d", "$(echo no)"];

/** What bash makes of each word: printed one per NUL-terminated record. */
function bashReads(words: string[]): string[] {
  const out = execFileSync("bash", ["-c", `printf '%s\\0' ${words.join(" ")}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

describe("shellQuote", () => {
  it("gives bash back every text as one word", () => {
    expect(bashReads(awkward.map(shellQuote))).toEqual(awkward);
  });

  it("leaves safe words bare and quotes the rest as shlex.quote does", () => {
    expect(shellQuote("data/x.csv")).toBe("data/x.csv");
    expect(shellQuote("a=b,c:d@e%f+g")).toBe("a=b,c:d@e%f+g");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("two words")).toBe("'two words'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
  });
});

describe("doubleQuote", () => {
  it("gives bash back every text as one word, nothing expanded", () => {
    expect(bashReads(awkward.map(doubleQuote))).toEqual(awkward);
  });
});

describe("quotesExpansion", () => {
  it("sees a $, a backtick or a backslash before a closing quote inside single quotes", () => {
    expect(quotesExpansion("echo '$HOME'")).toBe(true);
    expect(quotesExpansion("echo '`id`'")).toBe(true);
    expect(quotesExpansion("echo 'a\\'")).toBe(true);
    expect(quotesExpansion(`x=${shellQuote("$(echo no)")}`)).toBe(true);
  });

  it("does not flag expansions meant to expand, or quotes inside other quotes", () => {
    expect(quotesExpansion('echo "$HOME"')).toBe(false);
    expect(quotesExpansion("echo $HOME 'plain'")).toBe(false);
    expect(quotesExpansion(`echo "it's $HOME"`)).toBe(false);
    expect(quotesExpansion("echo \\'$HOME")).toBe(false);
  });

  it("puts the directive before a line only when it needs one", () => {
    expect(literal("x='$y'")).toEqual([LITERAL_DIRECTIVE, "x='$y'"]);
    expect(literal('x="$y"')).toEqual(['x="$y"']);
  });
});
