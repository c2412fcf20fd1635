// JSON text in pieces (src/json-chunks.ts): the same text as JSON.stringify, and a document
// longer than the longest string V8 can hold, which JSON.stringify cannot write.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compactChunks, jsonChunks, parseLines } from "../../src/json-chunks.js";

const joined = (value: unknown, indent?: number, depth?: number) => [...jsonChunks(value, indent, depth)].join("");

describe("jsonChunks", () => {
  it("gives JSON.stringify's text, at any indent and depth", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), (value, indent, depth) => {
        expect(joined(value, indent, depth)).toBe(JSON.stringify(value, null, indent));
      }),
      { numRuns: 500 },
    );
  });

  it("leaves out what JSON.stringify leaves out, and writes empty containers whole", () => {
    const value = { a: undefined, b: [undefined, () => 1], c: {}, d: [], e: { f: [1, { g: "x\ny" }] }, h: () => 1 };
    for (const depth of [0, 1, 2, 3]) expect(joined(value, 1, depth)).toBe(JSON.stringify(value, null, 1));
  });

  it("gives JSON.stringify's text for long arrays, of small members and of members longer than a piece", () => {
    const small = Array.from({ length: 5000 }, (_, i) => (i % 7 ? { i, s: `a\n${i}`, l: [i, [i], {}], u: undefined } : i % 2 ? [undefined, null] : "é"));
    // Members of 50,000 characters: a few make more than a piece.
    const large = Array.from({ length: 40 }, (_, i) => ({ text: String(i).repeat(50_000), deep: [[[i]]] }));
    for (const value of [small, { tasks: small, large }, [large, small]]) {
      for (const indent of [1, 2, 3]) for (const depth of [0, 1, 2, 3, 4]) expect(joined(value, indent, depth)).toBe(JSON.stringify(value, null, indent));
    }
  });

  it("writes a document longer than the longest string, in pieces", () => {
    // 60,000 references to one string of 10,000 characters: 600 MB of text, little memory.
    // (JSON.stringify would throw "Invalid string length" at 2^29 - 24 characters.)
    const long = "x".repeat(10_000);
    const tasks = Array.from({ length: 60_000 }, () => ({ id: long }));
    let length = 0;
    let pieces = 0;
    let tail = "";
    for (const piece of jsonChunks({ tasks }, 1)) {
      length += piece.length;
      pieces++;
      tail = (tail + piece).slice(-30_000);
    }
    expect(length).toBeGreaterThan(2 ** 29);
    expect(pieces).toBeGreaterThan(100);
    expect(tail.endsWith(`},\n  {\n   "id": "${long}"\n  }\n ]\n}`)).toBe(true);
  });
});

describe("compactChunks", () => {
  it("gives JSON.stringify's text with no indent, its long array in several pieces", () => {
    // Members JSON leaves out of objects (undefined, a function) are written as null, as JSON.stringify writes them in an array.
    const member = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(() => 1), fc.record({ u: fc.constant(undefined), n: fc.integer() }));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(member, { maxLength: 20 }), fc.integer({ min: 1, max: 8 }), (rest, tasks, batch) => {
        const value = { ...rest, tasks };
        expect([...compactChunks(value, "tasks")].join("")).toBe(JSON.stringify(value));
        expect([...compactChunks(value, "tasks", batch)].join("")).toBe(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
    const long = { entry: "main", tasks: Array.from({ length: 10_000 }, (_, i) => ({ id: `t${i}` })) };
    const pieces = [...compactChunks(long, "tasks")];
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join("")).toBe(JSON.stringify(long));
  });

  it("with lines, writes the same JSON a batch to a line, which parseLines reads back, keys in order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue(), { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), (rest, tasks, batch) => {
        const value = { ...rest, tasks };
        const text = [...compactChunks(value, "tasks", batch, true)].join("");
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        // A line per batch (an empty one for an empty list), and the lines of `[` and `]`.
        expect(text.split("\n")).toHaveLength(Math.max(1, Math.ceil(tasks.length / batch)) + 2);
        expect(JSON.stringify(parseLines(text.split("\n"), "tasks"))).toBe(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
  });

  it("parseLines refuses text cut short, or without the array", () => {
    const text = [...compactChunks({ a: 1, tasks: [1, 2, 3], z: 2 }, "tasks", 1, true)].join("");
    expect(() => parseLines(text.split("\n").slice(0, -1), "tasks")).toThrow();
    expect(() => parseLines(['{"a":1,"other":[', ']}'], "tasks")).toThrow();
  });
});
