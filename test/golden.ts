// The one golden-file helper. `UPDATE_GOLDEN=1` (and only that value) rewrites expected
// files from what the code produces; otherwise a missing expected file is a failure, never
// written on the fly, so a golden test cannot pass by recording whatever it saw.
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";

export const updateGolden = process.env["UPDATE_GOLDEN"] === "1";

const root = path.resolve(import.meta.dirname, "..");

/** Compares `actual` with the text of `file` (rewriting it first under UPDATE_GOLDEN=1). */
export function expectGolden(file: string, actual: string, message?: string): void {
  if (updateGolden) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  const shown = path.relative(root, file);
  expect(fs.existsSync(file), `${shown} is missing; run with UPDATE_GOLDEN=1 and review the diff`).toBe(true);
  expect(actual, message ?? shown).toBe(fs.readFileSync(file, "utf8"));
}

/** Compares a tree of files (relative path → text) with the directory `dir`, which must hold exactly those files. */
export function expectGoldenTree(dir: string, actual: ReadonlyMap<string, string>): void {
  if (updateGolden) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [f, text] of actual) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    }
  }
  expect(fs.existsSync(dir), `${path.relative(root, dir)} is missing; run with UPDATE_GOLDEN=1 and review the diff`).toBe(true);
  expect([...actual.keys()].sort()).toEqual(filesUnder(dir));
  for (const [f, text] of actual) expect(text, f).toBe(fs.readFileSync(path.join(dir, f), "utf8"));
}

/** The files under `dir`, as sorted `/`-separated relative paths. */
export function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join("/"))
    .sort();
}
