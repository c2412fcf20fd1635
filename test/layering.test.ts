// The CLI is the edge: it imports the phases and the backends, and nothing imports it. A
// backend returns data and the CLI prints it, so no module outside src/cli/ (a backend
// least of all) may import one inside it, statically, as a re-export or dynamically.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const src = path.resolve(import.meta.dirname, "../src");
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
