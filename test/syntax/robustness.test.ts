// The front end on hostile input: random bytes, every truncation of real programs, seeded
// mutations of them, enormous names, very deep nesting, huge files. Each case must come
// back with diagnostics (or a clean "too large"/"too deep" one): never a throw, never a
// hang (each test has a time box), never a span outside the text it points into.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { dottedPath } from "../../src/syntax/dotted-path.js";
import { MAX_NESTING, MAX_SOURCE_BYTES, parse, parseExpression } from "../../src/syntax/index.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-robustness-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** mulberry32: a small seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Spans that do not fit the text they point into, described for the failure message. */
function badSpans(diagnostics: readonly Diagnostic[], textOf: (file: string) => string | undefined): string[] {
  const bad: string[] = [];
  for (const d of diagnostics) {
    for (const span of [d.span, ...(d.related ?? []).map((r) => r.span)]) {
      if (!span) continue;
      const text = textOf(span.file);
      const ok = text !== undefined && Number.isInteger(span.start) && Number.isInteger(span.end) && 0 <= span.start && span.start <= span.end && span.end <= text.length;
      if (!ok) bad.push(`${d.code} ${JSON.stringify(span)} in a text of ${text?.length ?? "no"} characters`);
    }
  }
  return bad;
}

function parseSafely(text: string): Diagnostic[] {
  const { diagnostics } = parse(text, "input.pipe");
  expect(badSpans(diagnostics, () => text)).toEqual([]);
  return diagnostics;
}

/** Runs the whole front end on `text` written to a temp file. */
function checkSafely(text: string | Buffer): Diagnostic[] {
  const file = path.join(tmp, "case.pipe");
  fs.writeFileSync(file, text);
  const result = frontEnd(file, nodeFileHost);
  // A span into a file the front end did not load (a Python or TypeScript module) is checked against that file, as the renderer reads it.
  const onDisk = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
  expect(badSpans(result.diagnostics, (f) => result.sources.get(f) ?? onDisk(f))).toEqual([]);
  return result.diagnostics;
}

const codes = (diagnostics: readonly Diagnostic[]) => diagnostics.map((d) => d.code);

const samples = [
  "examples/hello/main.pipe",
  "examples/sweep/main.pipe",
  "examples/nested/main.pipe",
  "test/fixtures/valid/records.pipe",
  "test/fixtures/valid/triple-shell.pipe",
  "test/fixtures/valid/trailing-commas.pipe",
  "test/fixtures/errors/syntax-three-errors.pipe",
].map((f) => fs.readFileSync(path.join(root, f), "utf8"));

describe("random input", () => {
  it("survives random bytes, random UTF-16 and random token soup", () => {
    const next = random(20240601);
    const pieces = ["action", "pipeline", "let", "for", "in", "zip", "with", "return", "(", ")", "[", "]", "{", "}", ",", "=", ".", "-", ":", "?", "->", '"', '"""', "~{", "x", "1", "2.5e3", "\n", " ", "#"];
    for (let i = 0; i < 150; i++) {
      const length = Math.floor(next() * 3000);
      const bytes = Buffer.alloc(length, 0).map(() => Math.floor(next() * 256));
      parseSafely(bytes.toString("latin1"));
      let units = "";
      for (let j = 0; j < length; j++) units += String.fromCharCode(Math.floor(next() * 65536));
      parseSafely(units);
      let soup = "";
      for (let j = 0; j < length / 3; j++) soup += pieces[Math.floor(next() * pieces.length)];
      parseSafely(soup);
    }
  }, 60_000);

  it("survives random bytes through the whole front end", () => {
    const next = random(7);
    for (let i = 0; i < 40; i++) {
      const bytes = Buffer.alloc(Math.floor(next() * 4000), 0).map(() => Math.floor(next() * 256));
      checkSafely(bytes);
    }
  }, 60_000);
});

describe("plain interpolations", () => {
  it("are read into exactly the nodes and spans the parser builds", () => {
    const next = random(5);
    const words = ["a", "lr", "out", "model", "_x9", "B_2", "none", "in", "raw"];
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const names = Array.from({ length: 1 + Math.floor(next() * 4) }, () => words[Math.floor(next() * words.length)]!);
      const source = " ".repeat(Math.floor(next() * 3)) + names.join(".") + "\t".repeat(Math.floor(next() * 2));
      const fast = dottedPath(source, 7, "f.pipe", MAX_NESTING);
      if (!fast) continue;
      expect(fast).toEqual(parseExpression(" ".repeat(7) + source, "f.pipe").expr);
      compared++;
    }
    expect(compared).toBeGreaterThan(500);
  });
});

describe("truncated and mutated programs", () => {
  it("checks every prefix of real programs", () => {
    for (const text of samples) {
      for (let cut = 0; cut <= text.length; cut++) checkSafely(text.slice(0, cut));
    }
  }, 120_000);

  it("checks prefixes of every example and fixture, cut at 40 places each", () => {
    const files = ["examples", "test/fixtures"].flatMap((dir) =>
      fs.readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".pipe")).map((f) => path.join(root, dir, f)),
    ).filter((f) => fs.statSync(f).isFile());
    expect(files.length).toBeGreaterThan(60);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (let i = 1; i <= 40; i++) checkSafely(text.slice(0, Math.round((text.length * i) / 41)));
    }
  }, 120_000);

  it("checks seeded mutations of real programs", () => {
    const next = random(99);
    const inserts = ["(", ")", "[", "]", "{", "}", ",", "=", ".", "-", '"', '"""', "~{", "}", "let x = ", "for a in ", "zip(", "raw(", "out.", "none", "?", ":", "->", "resources ", "List[", "\n"];
    for (let i = 0; i < 1500; i++) {
      let text = samples[Math.floor(next() * samples.length)]!;
      for (let edits = 1 + Math.floor(next() * 4); edits > 0; edits--) {
        const at = Math.floor(next() * text.length);
        const insert = next() < 0.7 ? inserts[Math.floor(next() * inserts.length)]! : "";
        text = text.slice(0, at) + insert + text.slice(at + Math.floor(next() * 3));
      }
      checkSafely(text);
    }
  }, 120_000);

  it("reports an unterminated triple-quoted string where it opens", () => {
    const text = 'action a() -> (o: File) {\n  shell """\n    echo ~{out.o}\n';
    const diagnostics = checkSafely(text);
    const unterminated = diagnostics.find((d) => d.code === "P1002");
    expect(unterminated?.span?.start).toBe(text.indexOf('"""'));
  }, 10_000);
});

describe("extreme sizes", () => {
  it("takes a 100,000-character identifier anywhere a name goes", () => {
    const long = "a".repeat(100_000);
    expect(codes(checkSafely(`action ${long}(${long}: Int) -> (o: File) {\n  shell "echo ~{${long}} > ~{out.o}"\n}\n`))).toEqual([]);
    expect(codes(checkSafely(`pipeline main() {\n  let x = ${long}()\n}\n`))).toEqual(["P2001"]);
    expect(codes(checkSafely(`action a(s: String = "${long}") -> (o: File) {\n  shell "echo ~{s} > ~{out.o}"\n}\n`))).toEqual([]);
  }, 20_000);

  const tooDeep = (text: string) => {
    const diagnostics = checkSafely(text);
    expect(codes(diagnostics)).toContain("P1004");
  };

  it("stops 10,000 nested lists with one diagnostic", () => {
    tooDeep(`pipeline main() {\n  let x = f(a = ${"[".repeat(10_000)}${"]".repeat(10_000)})\n}\n`);
    expect(codes(parseSafely("[".repeat(10_000)))).toEqual(["P1004"]);
  }, 20_000);

  it("stops 10,000 nested parentheses", () => {
    tooDeep(`pipeline main() {\n  let x = f(a = ${"(".repeat(10_000)}1${")".repeat(10_000)})\n}\n`);
  }, 20_000);

  it("stops 10,000 unary minus, spaced or not", () => {
    tooDeep(`pipeline main() {\n  let x = f(a = ${"-".repeat(10_000)}1)\n}\n`);
    tooDeep(`pipeline main() {\n  let x = f(a = ${"- ".repeat(10_000)}1)\n}\n`);
  }, 20_000);

  it("stops deep nesting inside an interpolation and long postfix chains", () => {
    tooDeep(`action a(x: Int) -> (o: File) {\n  shell "~{${"[".repeat(10_000)}x}"\n}\n`);
    tooDeep(`action a(x: Int) -> (o: File) {\n  shell "~{x${".y".repeat(20_000)}}"\n}\n`);
    tooDeep(`pipeline main() {\n  let x = f(a = b${".c".repeat(20_000)})\n}\n`);
    tooDeep(`pipeline main() {\n  let x = f${"()".repeat(20_000)}\n}\n`);
    tooDeep(`pipeline main() {\n  let x = ${"for a in b { ".repeat(5_000)}f()${" }".repeat(5_000)}\n}\n`);
    tooDeep(`action a(x: ${"List[".repeat(5_000)}Int${"]".repeat(5_000)}) -> (o: File) {\n  shell "~{out.o}"\n}\n`);
  }, 20_000);

  it("recovers from a mistake at the deepest nesting allowed, in every kind of bracket", () => {
    const openers = ["[", "[1 ", "(", "(1 ", "{a = ", "g(a = ", "for a in b { ", "for (a, b) in zip(", "[{a = (-g(b = "];
    for (const opener of openers) {
      for (let n = MAX_NESTING - 3; n <= MAX_NESTING + 1; n++) {
        checkSafely(`pipeline main() {\n  let x = ${opener.repeat(n)}`);
        checkSafely(`pipeline main() {\n  let x = f(a = ${opener.repeat(n)}) }\n`);
      }
    }
    checkSafely(`action a(x: ${"List[".repeat(MAX_NESTING)}`);
  }, 60_000);

  it("checks a 5 MB program of repeated declarations", () => {
    const chunks: string[] = [];
    let size = 0;
    for (let i = 0; size < 5_000_000; i++) {
      const chunk = `action step_${i}(x: Int = ${i}, lr: Float = 0.1) -> (o: File) {\n  shell "run --x ~{x} --lr ~{lr} > ~{out.o}"\n}\n`;
      chunks.push(chunk);
      size += chunk.length;
    }
    expect(checkSafely(chunks.join(""))).toEqual([]);
  }, 60_000);

  it("refuses a file over the size limit with one diagnostic", () => {
    const text = "# padding\n".repeat(Math.ceil((MAX_SOURCE_BYTES + 1) / 10));
    expect(codes(checkSafely(text))).toEqual(["P1005"]);
  }, 20_000);
});
