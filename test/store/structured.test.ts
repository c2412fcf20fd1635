// Structured outputs as the store takes them (src/store/structured.ts): JSON checked against
// the type with the path of the first bad value, Python's non-finite floats, integers told
// from floats, the values read back (fields projected), lists of files in name order, and
// the plan's spelling of types read back.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { show } from "../../src/check/types.js";
import { inputAssignment, jsonOutputProblem, parseType, projectValue, structuredOutputProblem, structuredValue, valueToJs } from "../../src/store/structured.js";
import { numberOf, OUTPUT_RULES } from "../../src/store/outputs.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-structured-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const problem = (json: string, type: string) => jsonOutputProblem(json, parseType(type), "m");

function stored(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("checking JSON against the type", () => {
  it.each([
    ['{"acc": "high", "loss": 0.5}', "{acc: Float, loss: Float}", 'output m.acc: expected Float, got "high"'],
    ['{"acc": 1, "loss": "x"}', "{acc: Float, loss: Float}", 'output m.loss: expected Float, got "x"'],
    ["[1, 2, 2.5]", "List[Int]", "output m[2]: expected Int, got 2.5"],
    ["[1, 1e3]", "List[Int]", "output m[1]: expected Int, got 1e3"],
    ['{"rows": [{"x": true}, {"x": null}]}', "{rows: List[{x: Bool}]}", "output m.rows[1].x: expected Bool, got null"],
    ['{"acc": 1}', "{acc: Float, loss: Float}", 'output m: missing field "loss" (expected {acc: Float, loss: Float})'],
    ['{"acc": 1, "lr": 2}', "{acc: Float}", 'output m: unexpected field "lr" (expected {acc: Float})'],
    ['[1, 2]', "{acc: Float}", "output m: expected {acc: Float}, got [1, 2]"],
    ["[" + "1, ".repeat(40) + "\"x\"]", "List[String]", "output m[0]: expected String, got 1"],
    ['"' + "a".repeat(100) + '"', "List[String]", `output m: expected List[String], got "${"a".repeat(58)}…`],
    ["[12345678901234567890]", "List[Int]", "output m[0]: 12345678901234567890 is out of the range of an Int"],
  ])("%s as %s: %s", (json, type, message) => {
    expect(problem(json, type)).toBe(message);
  });

  it.each([
    ["", "output m is not valid JSON: unexpected end of the text at line 1, column 1"],
    ['{"acc": 1', "output m is not valid JSON: unexpected end of the text at line 1, column 10"],
    ['{"acc": 1,}', 'output m is not valid JSON: unexpected "}" at line 1, column 11'],
    ["{'acc': 1}", `output m is not valid JSON: unexpected "'" at line 1, column 2`],
    ['{"acc": 1}\n// x', 'output m is not valid JSON: unexpected "/" at line 2, column 1'],
    ['{"acc": 1, "acc": 2}', 'output m is not valid JSON: field "acc" given twice at line 1, column 12'],
    ['{"acc": nan}', 'output m is not valid JSON: unexpected "n" at line 1, column 9'],
    ['{"acc": 01}', 'output m is not valid JSON: unexpected "1" at line 1, column 10'],
    ['["a\tb"]', "output m is not valid JSON: a control character in a string at line 1, column 4"],
    ["[".repeat(2000) + "]".repeat(2000), "output m is not valid JSON: nesting deeper than 1000 levels at line 1, column 1002"],
  ])("%j is not JSON", (json, message) => {
    expect(problem(json, "{acc: Float}")).toBe(message);
  });

  it("takes what Python's json.dumps writes: NaN and the infinities as Floats, integers as Floats, none for optionals", () => {
    const json = '{"acc": NaN, "hi": Infinity, "lo": -Infinity, "n": 3, "tag": null, "xs": [1, 2.5e-7]}';
    const type = "{acc: Float, hi: Float, lo: Float, n: Float, tag: String?, xs: List[Float]}";
    expect(problem(json, type)).toBeUndefined();
    const v = valueToJs(structuredValue(stored("py.json", json), parseType(type)));
    expect(v).toEqual({ acc: NaN, hi: Infinity, lo: -Infinity, n: 3, tag: undefined, xs: [1, 2.5e-7] });
    expect(problem('{"acc": NaN}', "{acc: Int}")).toBe("output m.acc: expected Int, got NaN");
  });

  it("reads strings with every escape, and a large list", () => {
    expect(valueToJs(structuredValue(stored("s.json", '["a\\"b\\\\c\\u00e9\\n", "\\ud83d\\ude00"]'), parseType("List[String]")))).toEqual(['a"b\\cé\n', "😀"]);
    const big = JSON.stringify(Array.from({ length: 200_000 }, (_, i) => i));
    expect((structuredValue(stored("big.json", big), parseType("List[Int]")) as { items: unknown[] }).items).toHaveLength(200_000);
  });
});

describe("values read back", () => {
  it("projects fields of a record and of every element of a list", () => {
    const file = stored("rows.json", '{"rows": [{"x": 1.5, "y": "a"}, {"x": 2, "y": "b"}], "n": 2}');
    const value = structuredValue(file, parseType("{n: Int, rows: List[{x: Float, y: String}]}"));
    expect(valueToJs(projectValue(value, ["rows", "x"]))).toEqual([1.5, 2]);
    expect(valueToJs(projectValue(value, ["n"]))).toBe(2);
  });

  it("sets a command's variables: scalars as words, lists as arrays, records as their JSON", () => {
    const file = stored("m.json", '{"acc": 0.9, "names": ["a b", "c"], "opt": null, "sub": {"k": NaN}}');
    const type = "{acc: Float, names: List[String], opt: Int?, sub: {k: Float}}";
    expect(inputAssignment({ var: "in_0", file, type, fields: ["acc"] })).toBe("in_0=0.9");
    expect(inputAssignment({ var: "in_1", file, type, fields: ["names"] })).toBe("in_1=('a b' c)");
    expect(inputAssignment({ var: "in_2", file, type, fields: ["opt"] })).toBe("in_2=()");
    expect(inputAssignment({ var: "in_3", file, type, fields: ["sub", "k"] })).toBe("in_3=nan");
    expect(inputAssignment({ var: "in_4", file, type, fields: ["sub"] })).toBe(`in_4='{"k": NaN}'`);
  });

  it("lists a List[File] output's directory in byte order, dotfiles included; refuses an entry of the wrong kind", () => {
    const dir = path.join(tmp, "ckpts");
    fs.mkdirSync(dir);
    for (const name of ["b", "B", ".hidden", "a 1", "é", "z"]) fs.writeFileSync(path.join(dir, name), name);
    const value = structuredValue(dir, parseType("List[File]"));
    expect(valueToJs(value)).toEqual([".hidden", "B", "a 1", "b", "z", "é"].map((n) => path.join(dir, n)));
    expect(structuredOutputProblem(dir, parseType("List[Dir]"), "ckpts")).toBe('output ckpts: entry ".hidden" is a file, not a directory (the output is a List[Dir])');
    const empty = path.join(tmp, "none");
    fs.mkdirSync(empty);
    expect(valueToJs(structuredValue(empty, parseType("List[Dir]")))).toEqual([]);
  });
});

describe("types and text floats", () => {
  it.each(["Int", "List[Float]", "{acc: Float, loss: Float}", "List[{a: Int?, b: List[String]}]", "{x: List[List[Bool]]?}", "List[File]"])("reads back %s", (text) => {
    expect(show(parseType(text))).toBe(text);
  });

  it("takes nan and the infinities as Python prints them in a text Float", () => {
    const re = OUTPUT_RULES["Float"]!.pattern!;
    for (const ok of ["nan", "inf", "-inf", "+inf", "NaN", "Infinity", "-Infinity", "1.5", "-2e-07"]) expect(re.test(ok), ok).toBe(true);
    for (const bad of ["nana", "in", "infinit", "-", "1.5.2"]) expect(re.test(bad), bad).toBe(false);
    expect([numberOf("nan"), numberOf("-inf"), numberOf("Infinity"), numberOf("1e3")]).toEqual([NaN, -Infinity, Infinity, 1000]);
  });
});
