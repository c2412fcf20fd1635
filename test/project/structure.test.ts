// The shape of the source. The CLI is the edge: it imports the phases and the backends, and
// nothing imports it. A backend returns data and the CLI prints it, so no module outside
// src/cli/ (a backend least of all) may import one inside it, statically, as a re-export
// or dynamically. And an exported type's name means one thing: no two modules export a
// type of the same name.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const src = path.resolve(import.meta.dirname, "../../src");
const cli = path.join(src, "cli");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : /\.[cm]?ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The files a module's relative imports name (`./x.js` as `./x.ts`), imports of any kind. */
function importedFiles(file: string, text = fs.readFileSync(file, "utf8")): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((i) => i.fileName).filter((f) => f.startsWith(".")).map((f) => path.resolve(path.dirname(file), f).replace(/\.([cm]?)js$/, ".$1ts"));
}

const inCli = (file: string) => file === cli || file.startsWith(cli + path.sep);

describe("imports of the CLI", () => {
  it("none from outside src/cli/, so none from a backend", () => {
    const offenders = sourceFiles(src)
      .filter((f) => !inCli(f))
      .flatMap((f) => importedFiles(f).filter(inCli).map((target) => `${path.relative(src, f)} imports ${path.relative(src, target)}`));
    expect(offenders).toEqual([]);
  });

  it("are found however they are written", () => {
    const file = path.join(src, "backends", "slurm", "example.ts");
    const text = ['import { Exit } from "../../cli/io.js";', 'export { run } from "../../cli/index.js";', 'const m = await import("../../cli/report.js");', 'import type { Io } from "../../cli/io.js";'].join("\n");
    expect(importedFiles(file, text).filter(inCli).map((f) => path.relative(src, f))).toEqual(["cli/io.ts", "cli/index.ts", "cli/report.ts", "cli/io.ts"]);
    // The scan sees the CLI's own imports of itself: it reads the files it is meant to.
    expect(importedFiles(path.join(cli, "index.ts")).filter(inCli).length).toBeGreaterThan(3);
  });
});

/** The types (interfaces, type aliases, classes, enums) a module exports, by name. */
function exportedTypes(file: string, text = fs.readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return source.statements.flatMap((s) => {
    const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    const named = ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s);
    return exported && named && s.name ? [s.name.text] : [];
  });
}

/** Names still exported by two modules, each with why it is left so. */
const KNOWN_TWICE: Record<string, string> = {
  Signature: "the untyped AST's signature (syntax/ast.ts) and the checker's typed one (check/signatures.ts); the front end's to rename",
};

describe("exported type names", () => {
  it("each is exported by one module only", () => {
    const where = new Map<string, string[]>();
    for (const f of sourceFiles(src)) for (const name of exportedTypes(f)) where.set(name, [...(where.get(name) ?? []), path.relative(src, f)]);
    const twice = [...where].filter(([, files]) => files.length > 1);
    expect(twice.filter(([name]) => !(name in KNOWN_TWICE)).map(([name, files]) => `${name}: ${files.join(", ")}`)).toEqual([]);
    // An exception that no longer holds is taken off the list.
    expect(twice.map(([name]) => name).sort()).toEqual(Object.keys(KNOWN_TWICE).sort());
    // The scan reads declarations of every kind.
    expect(exportedTypes("x.ts", "export interface A {}\nexport type B = 1;\nexport class C {}\nexport enum D { x }\ninterface E {}\nexport const F = 1;")).toEqual(["A", "B", "C", "D"]);
  });
});
