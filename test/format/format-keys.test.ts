// Formatting changes layout only: every example and valid fixture, formatted, compiles to the
// same cache keys (`pipe plan --plan-only`) and still checks clean.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { formatText } from "../../src/format/index.js";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { pipeFilesUnder, recordingIo } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "..", "..");

/** A copy of `dir` in a fresh temporary directory, without its stores. */
function copyProject(dir: string, into: string): string {
  const target = path.join(into, path.basename(dir));
  fs.cpSync(dir, target, { recursive: true, filter: (source) => !(path.basename(source) === ".pipe" && fs.statSync(source).isDirectory()) });
  return target;
}

const projects = [
  ...fs.readdirSync(path.join(root, "examples")).map((name) => path.join(root, "examples", name)),
  path.join(root, "test", "fixtures", "valid"),
].filter((dir) => fs.statSync(dir).isDirectory());

let tmp: string;
/** Each project twice, in temporary directories: as it is and formatted. */
const copies = new Map<string, { before: string; after: string }>();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-format-"));
  for (const [i, project] of projects.entries()) {
    const before = copyProject(project, fs.mkdtempSync(path.join(tmp, `${i}-before-`)));
    const after = copyProject(project, fs.mkdtempSync(path.join(tmp, `${i}-after-`)));
    for (const file of pipeFilesUnder(after)) {
      const result = await formatText(fs.readFileSync(file, "utf8"), file);
      fs.writeFileSync(file, result.formatted!);
    }
    copies.set(project, { before, after });
  }
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The entry files of a project: its files with a `main` pipeline. */
const entries = (dir: string) => pipeFilesUnder(dir).filter((file) => /^pipeline main\b/m.test(fs.readFileSync(file, "utf8")));

async function planKeys(file: string): Promise<{ tasks: [string, string][]; definitions: [string, string][] }> {
  const io = recordingIo(path.dirname(file));
  const code = await run(["plan", file, "--plan-only"], io);
  expect(code, io.stderr()).toBe(0);
  const plan = JSON.parse(io.stdout()) as { tasks: { id: string; key: string }[]; actions: Record<string, { definitionHash: string }> };
  return {
    tasks: plan.tasks.map((t) => [t.id, t.key]),
    definitions: Object.entries(plan.actions).map(([id, a]) => [id, a.definitionHash]),
  };
}

describe("formatting keeps every cache key", () => {
  for (const project of projects) {
    it(path.relative(root, project), async () => {
      const { before, after } = copies.get(project)!;
      const files = entries(before);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const formatted = path.join(after, path.relative(before, file));
        expect(fs.readFileSync(formatted, "utf8")).not.toBe("");
        const keys = await planKeys(file);
        expect(keys.tasks.length, file).toBeGreaterThan(0);
        expect(await planKeys(formatted), path.relative(before, file)).toEqual(keys);
      }
    });
  }
});

describe("re-indented triple-quoted commands keep their keys", () => {
  it("deep, shallow, tabbed and trailing-blank blocks", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "triple-"));
    const file = path.join(dir, "main.pipe");
    const text = [
      "action deep(x: Int) -> (y: Int) {",
      '  shell """',
      "            echo ~{x}   ",
      "",
      "              | cat \\",
      "            > ~{out.y}",
      '        """',
      "}",
      "action flush(x: Int) -> (y: Int) {",
      'shell """',
      "echo ~{x} > ~{out.y}",
      '"""',
      "}",
      "action tabs(x: Int) -> (y: Int) {",
      '\tshell """',
      "\t\techo ~{x}",
      "\t\t\t> ~{out.y}",
      '\t\t"""',
      "}",
      "pipeline main() -> (a: Int, b: Int, c: Int) {",
      "  let a = deep(x = 1)",
      "  let b = flush(x = 2)",
      "  let c = tabs(x = 3)",
      "  return (a = a.y, b = b.y, c = c.y)",
      "}",
      "",
    ].join("\n");
    fs.writeFileSync(file, text);
    const keys = await planKeys(file);
    const formatted = (await formatText(text, file)).formatted!;
    expect(formatted).not.toBe(text);
    expect(formatted).toContain('  shell """\n    echo ~{x}   \n\n      | cat \\\n    > ~{out.y}\n  """\n');
    fs.writeFileSync(file, formatted);
    expect(await planKeys(file)).toEqual(keys);
  });
});

describe("a formatted program still checks clean", () => {
  const strip = (ds: { code: string; severity: string; message: string }[]) => ds.map((d) => `${d.severity} ${d.code} ${d.message}`).sort();
  for (const project of projects) {
    it(path.relative(root, project), () => {
      const { before, after } = copies.get(project)!;
      for (const file of entries(before)) {
        const original = frontEnd(file, nodeFileHost);
        const formatted = frontEnd(path.join(after, path.relative(before, file)), nodeFileHost);
        expect(original.program, file).toBeDefined();
        expect(formatted.program, file).toBeDefined();
        expect(strip(formatted.diagnostics)).toEqual(strip(original.diagnostics));
      }
    });
  }
});
