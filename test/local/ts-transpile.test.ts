// The TypeScript runner's transpiler: esbuild's `transform` strips the types (no TypeScript
// compiler loaded), and the compiler is the fallback (PIPE_TS_TRANSPILER=typescript, or
// esbuild failing); either way the module runs, and its output is cached per user.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-ts-transpile-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

fs.writeFileSync(path.join(dir, "one.ts"), "enum Kind { A = 2 }\nexport function one(input: { n: number }): { x: number } {\n  const k: Kind = Kind.A;\n  return { x: input.n * k };\n}\n");
fs.writeFileSync(path.join(dir, "args.json"), JSON.stringify({ n: 21 }));

async function runOnce(env: Record<string, string>): Promise<{ x: string; cached: string }> {
  const cache = fs.mkdtempSync(path.join(dir, "cache-"));
  const out = fs.mkdtempSync(path.join(dir, "out-"));
  const r = await execa(process.execPath, [path.join(root, "dist/runtime/ts-runner.js"), "one.ts", "one", "args.json", out, JSON.stringify({ x: "Int" })], { cwd: dir, env: { XDG_CACHE_HOME: cache, ...env }, reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  const files = fs.readdirSync(path.join(cache, "pipe", "ts"));
  expect(files).toHaveLength(1);
  return { x: fs.readFileSync(path.join(out, "x"), "utf8"), cached: fs.readFileSync(path.join(cache, "pipe", "ts", files[0]!), "utf8") };
}

describe("the TypeScript runner's transpiler", () => {
  it("is esbuild: types stripped, an enum compiled, the result cached", async () => {
    const { x, cached } = await runOnce({});
    expect(x).toBe("42");
    // esbuild's printer indents by two spaces and keeps the enum as an IIFE of `var`s.
    expect(cached).toContain("\n  return { x: input.n * k };");
    expect(cached).not.toContain(": number");
  });

  it("falls back to the TypeScript compiler", async () => {
    const { x, cached } = await runOnce({ PIPE_TS_TRANSPILER: "typescript" });
    expect(x).toBe("42");
    expect(cached).toContain("\n    return { x: input.n * k };");
  });
});
