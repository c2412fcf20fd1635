// TypeScript actions: signatures read from the function (declared and inferred), the P5xxx
// errors, the module closure that goes into cache keys, and the shipped runner end to end.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TAction } from "../../src/check/typed.js";
import { tsSourceFiles } from "../../src/check/ts-sources.js";
import * as Ty from "../../src/check/types.js";
import { LineMap, type Diagnostic, type Span } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostics, Sources } from "../../src/diagnostics/render.js";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const fixtures = path.join(root, "test/fixtures/ts");
const actions = path.join(fixtures, "actions");

function checkFixture(name: string) {
  return frontEnd(path.join(fixtures, name), nodeFileHost);
}

/** The errors only: the fixtures' pipelines bind calls just to make them, which warns. */
function errors(result: ReturnType<typeof checkFixture>): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === "error");
}

function action(result: ReturnType<typeof checkFixture>, name: string): TAction {
  const found = [...(result.program?.actions.values() ?? [])].find((a) => a.name === name);
  if (!found) throw new Error(`no action ${name}: ${JSON.stringify(result.diagnostics)}`);
  return found;
}

/** `name: Type` pairs, the way a reader would write the signature. */
function shown(items: readonly { name: string; type: Ty.Type }[]): string[] {
  return items.map((i) => `${i.name}: ${Ty.show(i.type)}`);
}

function lineOf(span: Span): number {
  return new LineMap(fs.readFileSync(span.file, "utf8")).position(span.start).line;
}

function textOf(span: Span): string {
  return fs.readFileSync(span.file, "utf8").slice(span.start, span.end);
}

function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

describe("TypeScript action signatures", () => {
  it("accepts declared signatures that agree, and infers an omitted one from an async function", () => {
    const result = checkFixture("ok.pipe");
    expect(result.diagnostics).toEqual([]);
    const declared = action(result, "best_index");
    expect(shown(declared.params)).toEqual(["scores: List[Float]"]);
    expect(shown(declared.outputs)).toEqual(["index: Int"]);
    const inferred = action(result, "summarize");
    expect(shown(inferred.params)).toEqual(["scores: List[Float]", "title: String?"]);
    expect(shown(inferred.outputs)).toEqual(["mean: Float", "report: String"]);
    expect(inferred.params[0]!.span.file).toBe(path.join(actions, "report.ts"));
    expect(textOf(inferred.params[0]!.span)).toBe("scores: number[]");
    expect(shown(action(result, "summary").outputs)).toEqual(["mean: Float", "report: File"]);
  });

  it("reports a disagreeing declaration at the .pipe reference and at the TypeScript declaration", () => {
    const diagnostics = errors(checkFixture("mismatch.pipe"));
    expect(codes(diagnostics)).toEqual(["P5003", "P5003", "P5003", "P5003"]);
    const [param, output, optional, undeclared] = diagnostics as [Diagnostic, Diagnostic, Diagnostic, Diagnostic];

    expect(param.message).toBe("declared signature disagrees with the TypeScript function: parameter `scores` is `List[String]` in .pipe but `number[]` in TypeScript");
    expect(textOf(param.span!)).toBe('ts "./actions/select.ts#bestIndex"');
    expect(lineOf(param.span!)).toBe(2);
    const related = param.related![0]!.span;
    expect(related.file).toBe(path.join(actions, "select.ts"));
    expect(lineOf(related)).toBe(2);
    expect(textOf(related)).toBe("scores: number[]");

    expect(output.message).toContain("the function returns no output `score`");
    expect(textOf(output.related![0]!.span)).toBe("{ index: number }");
    expect(optional.message).toContain("parameter `input` is `String?` in .pipe but `string` in TypeScript");
    expect(optional.hint).toContain("make it optional in TypeScript");
    expect(undeclared.message).toContain("the function's parameter `input` is not declared");

    const sources = new Sources();
    for (const file of [path.join(fixtures, "mismatch.pipe"), path.join(actions, "select.ts")]) sources.add(file, fs.readFileSync(file, "utf8"));
    const rendered = renderDiagnostics([param], sources, { cwd: fixtures, color: false });
    expect(rendered).toContain("mismatch.pipe:2:73: error P5003");
    expect(rendered).toContain("note: actions/select.ts:2:41: the TypeScript declaration");
  });

  it("reports a missing module and a missing export with a suggestion", () => {
    const [module, exported] = errors(checkFixture("missing.pipe")) as [Diagnostic, Diagnostic];
    expect(module).toMatchObject({ code: "P5001", message: 'cannot find TypeScript module "actions/gone.ts"' });
    expect(exported).toMatchObject({ code: "P5002", message: '"actions/select.ts" has no exported function `bestIndx`', hint: "did you mean `bestIndex`?" });
  });

  it("reports TypeScript types with no .pipe equivalent at their declaration", () => {
    const diagnostics = errors(checkFixture("loose.pipe"));
    expect(codes(diagnostics)).toEqual(["P5004", "P5004", "P5004", "P5004", "P5004"]);
    expect(diagnostics.map((d) => d.message)).toEqual([
      "parameter `anything` has TypeScript type `any`, which has no .pipe equivalent",
      "parameter `mixed` has TypeScript type `string | number`, which has no .pipe equivalent",
      "parameter `when` has TypeScript type `Date`, which has no .pipe equivalent",
      "output `list` has TypeScript type `Date`, which has no .pipe equivalent",
      "output `maybe` has TypeScript type `number | undefined`, which has no .pipe equivalent",
    ]);
    expect(diagnostics.map((d) => `${path.basename(d.span!.file)}:${lineOf(d.span!)}`)).toEqual(["loose.ts:3", "loose.ts:4", "loose.ts:5", "loose.ts:6", "loose.ts:6"]);
    expect(diagnostics[0]!.related![0]!.span.file).toBe(path.join(fixtures, "loose.pipe"));
  });

  it("reads every export form and rejects functions that cannot be actions", () => {
    expect(errors(checkFixture("shapes.pipe")).map((d) => `${d.code} ${d.message}${d.hint ? ` (${d.hint})` : ""}`)).toEqual([
      "P5005 `twoParams` takes 2 parameters, but a TypeScript action takes one object parameter (take one object parameter: `fn({ a, b }: { a: number; b: string })`)",
      "P5006 `overloaded` has 2 overloads, but a TypeScript action needs exactly one signature",
      'P5002 "actions/shapes.ts" has no exported function `notAFunction` (`notAFunction` is exported, but it is not a function)',
    ]);
  });

  it("infers records, readonly arrays, literal unions, and functions without parameter or result", async () => {
    const fresh = await tempProject({
      "main.pipe": `action arrow = ts "./shapes.ts#arrow"\naction renamed(n: Int) -> (twice: Float) = ts "./shapes.ts#renamed"\naction no_args = ts "./shapes.ts#noArgs"\naction side_effect(path: File) = ts "./shapes.ts#sideEffect"\npipeline main() {\n}\n`,
      "shapes.ts": fs.readFileSync(path.join(actions, "shapes.ts"), "utf8"),
    });
    const result = frontEnd(path.join(fresh, "main.pipe"), nodeFileHost);
    expect(result.diagnostics).toEqual([]);
    expect(shown(action(result, "arrow").params)).toEqual(["cfg: {lr: Float, tag: String?}", "flags: List[Bool]", "mode: String"]);
    expect(shown(action(result, "arrow").outputs)).toEqual(["n: Float", "label: String"]);
    expect(shown(action(result, "renamed").outputs)).toEqual(["twice: Float"]);
    expect(shown(action(result, "no_args").params)).toEqual([]);
    expect(shown(action(result, "no_args").outputs)).toEqual(["ok: Bool"]);
    expect(shown(action(result, "side_effect").outputs)).toEqual([]);
  });

  it("sees an edit to the module (or to a module it imports) on the next check", async () => {
    const dir = await tempProject({
      "main.pipe": `action f = ts "./f.ts#f"\npipeline main() {\n}\n`,
      "f.ts": `import type { Out } from "./out.js";\nexport function f(): Out { return { a: 1 }; }\n`,
      "out.ts": `export interface Out { a: number }\n`,
    });
    const entry = path.join(dir, "main.pipe");
    expect(shown(action(frontEnd(entry, nodeFileHost), "f").outputs)).toEqual(["a: Float"]);
    fs.writeFileSync(path.join(dir, "out.ts"), `export interface Out { a: number; b: string }\n`);
    fs.utimesSync(path.join(dir, "out.ts"), new Date(), new Date(Date.now() + 5000));
    fs.writeFileSync(path.join(dir, "f.ts"), `import type { Out } from "./out.js";\nexport function f(): Out { return { a: 1, b: "" }; }\n`);
    fs.utimesSync(path.join(dir, "f.ts"), new Date(), new Date(Date.now() + 5000));
    expect(shown(action(frontEnd(entry, nodeFileHost), "f").outputs)).toEqual(["a: Float", "b: String"]);
  });
});

describe("tsSourceFiles", () => {
  it("follows relative imports, `.js` specifiers naming `.ts` files, and skips packages", () => {
    expect(tsSourceFiles(path.join(actions, "report.ts"))).toEqual([path.join(actions, "report.ts"), path.join(actions, "stats.ts")]);
    expect(tsSourceFiles(path.join(actions, "files.ts"))).toEqual([path.join(actions, "files.ts"), path.join(actions, "stats.ts")]);
    expect(tsSourceFiles(path.join(actions, "select.ts"))).toEqual([path.join(actions, "select.ts")]);
  });
});

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "pipe-ts-"));
  temporary.push(dir);
  return dir;
}

async function tempProject(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("the TypeScript runner (dist/runtime/ts-runner.js)", () => {
  const runner = path.join(root, "dist/runtime/ts-runner.js");
  const module = path.join(actions, "files.ts");
  let cwd: string;
  let cache: string;

  beforeAll(async () => {
    const built = (f: string) => fs.statSync(path.join(root, "dist/runtime", f), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const stale = fs.readdirSync(path.join(root, "src/runtime")).some((f) => fs.statSync(path.join(root, "src/runtime", f)).mtimeMs > built(f.replace(/\.ts$/, ".js")));
    // Emits even while another part of the tree has type errors; the runner is checked below.
    if (stale) await execa("npx", ["tsc", "-p", "."], { cwd: root, reject: false });
    expect(fs.existsSync(runner)).toBe(true);
    cwd = await tempProject({ "input.txt": "kept\n" });
    cache = await tempDir(); // a cold transpile cache, so that the first run fills it
  });

  const run = (exportName: string, args: unknown, types: Record<string, string>, out = "out") => {
    fs.writeFileSync(path.join(cwd, "args.json"), JSON.stringify(args));
    return execa("node", [runner, module, exportName, "args.json", out, JSON.stringify(types)], { cwd, reject: false, env: { XDG_CACHE_HOME: cache } });
  };

  it("calls the function and writes scalar, File and Dir outputs", async () => {
    const types = { report: "File", parts: "Dir", mean: "Float", count: "Int", ok: "Bool", label: "String" };
    const result = await run("write", { scores: [1, 2, 4.5], name: "run", note: null }, types);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const out = (name: string) => fs.readFileSync(path.join(cwd, "out", name), "utf8");
    expect([out("mean"), out("count"), out("ok"), out("label")]).toEqual(["2.5", "3", "true", "run"]);
    expect(out("report")).toBe("run: 2.5\n");
    expect(fs.readdirSync(path.join(cwd, "out/parts")).sort()).toEqual(["0.txt", "1.txt", "2.txt"]);
    // Made in the call's own directory, so moved; that directory is gone with the call.
    expect(fs.readdirSync(path.join(cwd, "out")).sort()).toEqual(["count", "label", "mean", "ok", "parts", "report"]);
    expect(fs.readdirSync(cwd).sort()).toEqual(["args.json", "input.txt", "out"]);
    expect(fs.readdirSync(cache).length).toBeGreaterThan(0);
  });

  it("copies a returned project file, one it appended to, a directory and a symlink, leaving each in place", async () => {
    fs.writeFileSync(path.join(cwd, "log.txt"), "before\n");
    fs.mkdirSync(path.join(cwd, "results/deep"), { recursive: true });
    fs.writeFileSync(path.join(cwd, "results/deep/a.txt"), "a\n");
    fs.symlinkSync("../input.txt", path.join(cwd, "results/link.txt"));
    fs.symlinkSync("log.txt", path.join(cwd, "log-link.txt"));
    const result = await run("project", { log: "log-link.txt", dir: "results" }, { log: "File", same: "File", dir: "Dir" }, "out-project");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const read = (p: string) => fs.readFileSync(path.join(cwd, p), "utf8");
    expect(read("log.txt")).toBe("before\nappended\n");
    expect(read("out-project/log")).toBe("before\nappended\n");
    expect(fs.lstatSync(path.join(cwd, "log-link.txt")).isSymbolicLink()).toBe(true);
    expect(read("input.txt")).toBe("kept\n");
    expect(read("out-project/same")).toBe("kept\n");
    expect(read("results/deep/a.txt")).toBe("a\n");
    expect(read("out-project/dir/deep/a.txt")).toBe("a\n");
    // The store holds the content, not a link back into the project.
    expect(fs.lstatSync(path.join(cwd, "out-project/dir/link.txt")).isSymbolicLink()).toBe(false);
    expect(read("out-project/dir/link.txt")).toBe("kept\n");
    expect(fs.lstatSync(path.join(cwd, "results/link.txt")).isSymbolicLink()).toBe(true);
  });

  it("copies a directory of its own that links out, so that the store holds content, not links", async () => {
    const result = await run("linked", { target: "input.txt" }, { dir: "Dir" }, "out-linked");
    expect(result.stderr).toBe("");
    const link = path.join(cwd, "out-linked/dir/link.txt");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(link, "utf8")).toBe("kept\n");
    expect(fs.readFileSync(path.join(cwd, "out-linked/dir/made.txt"), "utf8")).toBe("made\n");
    expect(fs.existsSync(path.join(cwd, "out-linked/.scratch"))).toBe(false);
  });

  it("copies a file the call wrote into the project rather than into its own directory", async () => {
    const result = await run("litter", {}, { report: "File" }, "out-litter");
    expect(result.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(cwd, "litter.txt"), "utf8")).toBe("made here\n");
    expect(fs.readFileSync(path.join(cwd, "out-litter/report"), "utf8")).toBe("made here\n");
  });

  it("copies a returned path that is one of the inputs", async () => {
    const result = await run("echo", { input: "input.txt" }, { same: "File" }, "out-echo");
    expect(result.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(cwd, "out-echo/same"), "utf8")).toBe("kept\n");
    expect(fs.readFileSync(path.join(cwd, "input.txt"), "utf8")).toBe("kept\n");
  });

  it("fails with one line on a thrown error, a missing or extra output, and a bad invocation", async () => {
    const thrown = await run("fail", { reason: "no data\nat all" }, { x: "Int" });
    expect(thrown.exitCode).toBe(1);
    expect(thrown.stderr).toMatch(/^error: .*files\.ts#fail threw: cannot go on: no data at all \(at .*files\.ts:\d+:\d+\)$/);

    const missing = await run("incomplete", {}, { x: "Int", y: "Int" });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/files\.ts#incomplete returned no value for output `y`$/);

    const extra = await run("incomplete", {}, {});
    expect(extra.exitCode).toBe(1);
    expect(extra.stderr).toMatch(/files\.ts#incomplete returned `x`, which the action does not declare as outputs$/);

    const notInt = await run("write", { scores: [1, 2], name: "n" }, { report: "File", parts: "Dir", mean: "Int", count: "Int", ok: "Bool", label: "String" });
    expect(notInt.exitCode).toBe(1);
    expect(notInt.stderr).toContain("returned 1.5 for output `mean`, which is not an Int");

    const usage = await execa("node", [runner, module], { cwd, reject: false });
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/^error: usage: ts-runner\.js/);
  });
});
