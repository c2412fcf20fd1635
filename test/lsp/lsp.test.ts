// The language server driven over real stdio JSON-RPC, as an editor drives it: one scripted
// conversation against a multi-file project (a library module, the standard library, a
// TypeScript action) and a 2,000-line file on which every request must answer in 200 ms.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient, positionOf, uri } from "./client.js";

const bin = path.resolve(import.meta.dirname, "../../bin/pipe.js");
const stdlib = path.resolve(import.meta.dirname, "../../stdlib");

const steps = `# The steps of a small experiment.

# Splits the raw data into a training directory.
# The rows are counted too.
action prepare(src: File, frac: Float = 0.2) -> (dir: Dir, rows: Int) {
  shell "mkdir -p ~{out.dir} && cp ~{src} ~{out.dir}/train.csv && wc -l < ~{src} > ~{out.rows}"
}

# Trains one model.
action train(data: Dir, lr: Float, epochs: Int = 10) -> (model: File, score: Float) {
  shell "echo ~{lr} > ~{out.model} && echo 0.5 > ~{out.score}"
}
`;

const pick = `// The index of the best score.
export function best({ scores }: { scores: number[] }): { index: number } {
  let i = 0;
  scores.forEach((s, j) => {
    if (s > scores[i]!) i = j;
  });
  return { index: i };
}
`;

const main = `import "std/files.pipe"
import "./lib/steps.pipe" as steps

# Picks the best run.
action pick(scores: List[Float]) -> (index: Int) = ts "./actions/pick.ts#best"

pipeline main(raw: File = "data/raw.csv", lrs: List[Float] = [0.1, 0.01]) -> (best: Int, n: Int) {
  let d = steps.prepare(src = raw)
  let runs = for lr in lrs { steps.train(data = d.dir, lr = lr) }
  let p = pick(scores = runs.score)
  let c = count_lines(file = raw)
  return (best = p.index, n = c.n)
}
`;

/** A 2,000-line program: 200 documented actions and a pipeline of 380 bindings. */
function bigProgram(): string {
  const out = ['import "./lib/steps.pipe" as steps', 'import "std/files.pipe"', ""];
  for (let i = 0; i < 200; i++) {
    out.push(`# Step ${i} of the long chain.`, `action step_${i}(x: File, k: Int = ${i}) -> (out: File, score: Float) {`, `  resources { cpus = 1 }`, `  shell "cat ~{x} > ~{out.out} && echo ~{k} > ~{out.score}"`, `}`, "", "", "");
  }
  out.push(`pipeline main(raw: File = "data/raw.csv") -> (last: File) {`, "  let _d = steps.prepare(src = raw)");
  out.push("  let s0 = step_0(x = d.dir)".replace("d.dir", "raw"));
  for (let i = 1; i < 380; i++) out.push(`  let s${i} = step_${i % 200}(x = s${i - 1}.out, k = ${i})`);
  out.push(`  return (last = s379.out)`, "}", "");
  while (out.length < 2000) out.splice(3, 0, "# padding");
  return out.join("\n");
}

let dir: string;
let client: LspClient;
const file = (p: string) => path.join(dir, p);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-lsp-"));
  fs.mkdirSync(file("lib"));
  fs.mkdirSync(file("actions"));
  fs.mkdirSync(file("data"));
  fs.writeFileSync(file("lib/steps.pipe"), steps);
  fs.writeFileSync(file("actions/pick.ts"), pick);
  fs.writeFileSync(file("data/raw.csv"), "a\nb\n");
  fs.writeFileSync(file("main.pipe"), main);
  fs.writeFileSync(file("big.pipe"), bigProgram());
  client = new LspClient(dir);
  const init = await client.initialize(dir);
  expect(init.capabilities).toMatchObject({ hoverProvider: true, definitionProvider: true, renameProvider: { prepareProvider: true } });
  client.open(file("main.pipe"), main);
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  fs.rmSync(dir, { recursive: true, force: true });
});

type Hover = { contents: { value: string } } | null;
type Location = { uri: string; range: { start: { line: number; character: number } } };
type Completion = { label: string; insertText?: string; detail?: string }[] | { items: { label: string }[] };
const labels = (c: Completion) => (Array.isArray(c) ? c : c.items).map((i) => i.label);
const at = (f: string, text: string, needle: string, delta = 0, nth = 0) => ({ textDocument: { uri: uri(file(f)) }, position: positionOf(text, needle, delta, nth) });

describe("the language server", () => {
  it("publishes no diagnostics for a clean program, then the checker's after an edit", async () => {
    expect((await client.diagnostics(file("main.pipe"), 1)).diagnostics).toEqual([]);
    // `lr = "fast"`: a type error, as `pipe check` reports it.
    const broken = main.replace("lr = lr", 'lr = "fast"');
    const version = client.change(file("main.pipe"), { start: positionOf(main, "lr = lr", 5), end: positionOf(main, "lr = lr", 7) }, '"fast"');
    const published = await client.diagnostics(file("main.pipe"), version);
    fs.writeFileSync(file("broken.pipe"), broken);
    let cli = "";
    try {
      execFileSync(process.execPath, [bin, "check", "broken.pipe", "--json"], { cwd: dir, encoding: "utf8" });
    } catch (error) {
      cli = (error as { stdout: string }).stdout;
    }
    fs.rmSync(file("broken.pipe"));
    const expected = (JSON.parse(cli) as { diagnostics: { code: string; message: string; hint?: string; span: { line: number; column: number } }[] }).diagnostics;
    expect(expected.length).toBeGreaterThan(0);
    expect(published.diagnostics.map((d) => ({ code: d.code, message: d.message, line: d.range.start.line + 1, column: d.range.start.character + 1 }))).toEqual(
      expected.map((d) => ({ code: d.code, message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message, line: d.span.line, column: d.span.column })),
    );
    // Put back: the error goes.
    const fixed = client.change(file("main.pipe"), { start: positionOf(broken, '"fast"'), end: positionOf(broken, '"fast"', 6) }, "lr");
    expect((await client.diagnostics(file("main.pipe"), fixed)).diagnostics).toEqual([]);
  });

  it("hovers with types of parameters, outputs and bindings, and an action's signature and doc comment", async () => {
    const param = await client.request<Hover>("textDocument/hover", at("main.pipe", main, "lrs: List", 1));
    expect(param!.contents.value).toContain("lrs: List[Float] = [0.1, 0.01]");
    const binding = await client.request<Hover>("textDocument/hover", at("main.pipe", main, "let runs", 5));
    expect(binding!.contents.value).toContain("let runs: List[{model: File, score: Float}]");
    const loop = await client.request<Hover>("textDocument/hover", at("main.pipe", main, "lr = lr", 6));
    expect(loop!.contents.value).toContain("(loop variable) lr: Float");
    const callee = await client.request<Hover>("textDocument/hover", at("main.pipe", main, "steps.prepare", 8));
    expect(callee!.contents.value).toContain("action prepare(src: File, frac: Float = 0.2) -> (dir: Dir, rows: Int)");
    expect(callee!.contents.value).toContain("Splits the raw data into a training directory.\nThe rows are counted too.");
    const output = await client.request<Hover>("textDocument/hover", at("main.pipe", main, "d.dir", 3));
    expect(output!.contents.value).toContain("(output of prepare) dir: Dir");
    const ts = await client.request<Hover>("textDocument/hover", at("main.pipe", main, "pick(scores =", 1));
    expect(ts!.contents.value).toContain("action pick(scores: List[Float]) -> (index: Int)");
    expect(ts!.contents.value).toContain("Picks the best run.");
    const projection = await client.request<Hover>("textDocument/hover", at("main.pipe", main, "runs.score", 6));
    expect(projection!.contents.value).toContain("score: Float");
    expect(await client.request<Hover>("textDocument/hover", at("main.pipe", main, "pipeline main", 3))).toBeNull();
  });

  it("goes to definitions across an import, into the standard library and into a TypeScript module", async () => {
    const [train] = await client.request<Location[]>("textDocument/definition", at("main.pipe", main, "steps.train", 7));
    expect(train!.uri).toBe(uri(file("lib/steps.pipe")));
    expect(train!.range.start).toEqual(positionOf(steps, "train("));
    const [count] = await client.request<Location[]>("textDocument/definition", at("main.pipe", main, "count_lines", 2));
    expect(fileURLToPath(count!.uri)).toBe(path.join(stdlib, "files.pipe"));
    const stdText = fs.readFileSync(path.join(stdlib, "files.pipe"), "utf8");
    expect(count!.range.start).toEqual(positionOf(stdText, "count_lines("));
    const fromString = await client.request<Location[]>("textDocument/definition", at("main.pipe", main, "pick.ts#best", 2));
    expect(fromString).toEqual([{ uri: uri(file("actions/pick.ts")), range: { start: positionOf(pick, "best("), end: positionOf(pick, "best(", 4) } }]);
    const fromCall = await client.request<Location[]>("textDocument/definition", at("main.pipe", main, "pick(scores", 2));
    expect(fromCall.map((l) => l.uri)).toEqual([uri(file("main.pipe")), uri(file("actions/pick.ts"))]);
    const [module] = await client.request<Location[]>("textDocument/definition", at("main.pipe", main, "lib/steps.pipe", 2));
    expect(module!.uri).toBe(uri(file("lib/steps.pipe")));
    const [binding] = await client.request<Location[]>("textDocument/definition", at("main.pipe", main, "d.dir", 0));
    expect(binding!.range.start).toEqual(positionOf(main, "d = steps"));
    const [output] = await client.request<Location[]>("textDocument/definition", at("main.pipe", main, "p.index", 3));
    expect(output!.range.start).toEqual(positionOf(main, "index: Int"));
  });

  it("goes to a Python action's function", async () => {
    const py = "from typing import TypedDict\n\nclass Pick(TypedDict):\n    index: int\n\ndef pick(scores: list[float]) -> Pick:\n    return {\"index\": 0}\n";
    const program = 'action pick = py "./sel.py#pick"\n\npipeline main() -> (i: Int) {\n  let p = pick(scores = [0.5])\n  return (i = p.index)\n}\n';
    fs.writeFileSync(file("sel.py"), py);
    fs.writeFileSync(file("py.pipe"), program);
    client.open(file("py.pipe"), program);
    expect((await client.diagnostics(file("py.pipe"), 1)).diagnostics).toEqual([]);
    const found = await client.request<Location[]>("textDocument/definition", at("py.pipe", program, "sel.py#pick", 8));
    expect(found).toEqual([{ uri: uri(file("sel.py")), range: { start: positionOf(py, "pick("), end: positionOf(py, "pick(", 4) } }]);
    const fromCall = await client.request<Location[]>("textDocument/definition", at("py.pipe", program, "pick(scores", 1));
    expect(fromCall.map((l) => l.uri)).toEqual([uri(file("py.pipe")), uri(file("sel.py"))]);
    const hover = await client.request<Hover>("textDocument/hover", at("py.pipe", program, "pick(scores", 1));
    expect(hover!.contents.value).toContain("action pick(scores: List[Float]) -> (index: Int)");
  });

  it("finds references across files", async () => {
    const refs = await client.request<Location[]>("textDocument/references", { ...at("lib/steps.pipe", steps, "train("), context: { includeDeclaration: true } });
    expect(refs.map((r) => [path.relative(dir, fileURLToPath(r.uri)), r.range.start])).toEqual([
      ["lib/steps.pipe", positionOf(steps, "train(")],
      ["main.pipe", positionOf(main, "train(data")],
    ]);
    const lets = await client.request<Location[]>("textDocument/references", { ...at("main.pipe", main, "let d", 4), context: { includeDeclaration: false } });
    expect(lets.map((r) => r.range.start)).toEqual([positionOf(main, "d.dir")]);
  });

  it("completes names in scope, a call's parameters, outputs after `.` and standard modules", async () => {
    // A new line in the pipeline, typed one piece at a time.
    const line = positionOf(main, "  return");
    let text = main;
    const type = (s: string, where: { line: number; character: number }) => {
      client.change(file("main.pipe"), { start: where, end: where }, s);
      const lines = text.split("\n");
      lines[where.line] = lines[where.line]!.slice(0, where.character) + s + lines[where.line]!.slice(where.character);
      text = lines.join("\n");
      return { line: where.line, character: where.character + s.length };
    };
    let cursor = type("  let e = ", { line: line.line, character: 0 });
    const names = labels(await client.request<Completion>("textDocument/completion", { textDocument: { uri: uri(file("main.pipe")) }, position: cursor }));
    expect(names).toEqual(expect.arrayContaining(["d", "runs", "p", "c", "raw", "lrs", "steps", "pick", "count_lines", "concat"]));
    expect(names).not.toContain("lr"); // the loop variable is not in scope here
    cursor = type("steps.", cursor);
    const members = labels(await client.request<Completion>("textDocument/completion", { textDocument: { uri: uri(file("main.pipe")) }, position: cursor }));
    expect(members.sort()).toEqual(["prepare", "train"]);
    cursor = type("train(data = d.dir, ", cursor);
    const params = await client.request<{ label: string; insertText: string; detail: string }[]>("textDocument/completion", { textDocument: { uri: uri(file("main.pipe")) }, position: cursor });
    expect(params.map((p) => p.label)).toEqual(["lr", "epochs"]);
    expect(params[0]).toMatchObject({ insertText: "lr = ", detail: "lr: Float" });
    cursor = type("lr = 0.1, epochs = d.", cursor);
    const outputs = labels(await client.request<Completion>("textDocument/completion", { textDocument: { uri: uri(file("main.pipe")) }, position: cursor }));
    expect(outputs.sort()).toEqual(["dir", "rows"]);
    // Undo the line; then an import being written.
    const end = cursor;
    client.change(file("main.pipe"), { start: { line: line.line, character: 0 }, end }, "");
    text = main;
    const importAt = type('import "std/', { line: 0, character: 0 });
    const modules = labels(await client.request<Completion>("textDocument/completion", { textDocument: { uri: uri(file("main.pipe")) }, position: importAt }));
    expect(modules).toEqual(expect.arrayContaining(["std/files.pipe", "std/python.pipe"]));
    const v = client.change(file("main.pipe"), { start: { line: 0, character: 0 }, end: importAt }, "");
    expect((await client.diagnostics(file("main.pipe"), v)).diagnostics).toEqual([]);
  });

  it("renames a binding everywhere it is used, and refuses a parameter", async () => {
    const edit = await client.request<{ changes: Record<string, { range: { start: unknown }; newText: string }[]> }>("textDocument/rename", { ...at("main.pipe", main, "d.dir"), newName: "data" });
    expect(Object.keys(edit.changes)).toEqual([uri(file("main.pipe"))]);
    expect(edit.changes[uri(file("main.pipe"))]!.map((e) => e.range.start)).toEqual([positionOf(main, "d = steps"), positionOf(main, "d.dir")]);
    expect(edit.changes[uri(file("main.pipe"))]!.every((e) => e.newText === "data")).toBe(true);
    const action = await client.request<{ changes: Record<string, unknown[]> }>("textDocument/rename", { ...at("main.pipe", main, "steps.train", 7), newName: "fit" });
    expect(Object.keys(action.changes).sort()).toEqual([uri(file("lib/steps.pipe")), uri(file("main.pipe"))]);
    await expect(client.request("textDocument/rename", { ...at("main.pipe", main, "raw: File", 0), newName: "src" })).rejects.toThrow(/parameter/);
    await expect(client.request("textDocument/rename", { ...at("main.pipe", main, "d.dir"), newName: "let" })).rejects.toThrow(/not a name/);
  });

  it("lists document symbols and formats through the prettier plugin", async () => {
    const symbols = await client.request<{ name: string; children?: { name: string }[] }[]>("textDocument/documentSymbol", { textDocument: { uri: uri(file("main.pipe")) } });
    expect(symbols.map((s) => s.name)).toEqual(["steps", "pick", "main"]);
    expect(symbols[2]!.children!.map((c) => c.name)).toEqual(["raw", "lrs", "best", "n", "d", "runs", "p", "c"]);
    const messy = "pipeline   main( ) -> ( x : Int ) {\n  let c = count( n=1 )\n return (x=c.n)\n}\naction count(n: Int) -> (n: Int) { shell \"echo ~{n} > ~{out.n}\" }\n";
    client.open(file("messy.pipe"), messy);
    const edits = await client.request<{ newText: string }[]>("textDocument/formatting", { textDocument: { uri: uri(file("messy.pipe")) }, options: { tabSize: 2, insertSpaces: true } });
    fs.writeFileSync(file("messy.pipe"), messy);
    const cli = execFileSync(process.execPath, [bin, "fmt", "messy.pipe"], { cwd: dir, encoding: "utf8" });
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(cli);
    expect(cli).toContain("pipeline main() -> (x: Int) {");
  });

  it("answers every request within 200 ms on a 2,000-line file while it is edited", async () => {
    const big = fs.readFileSync(file("big.pipe"), "utf8");
    expect(big.split("\n").length).toBeGreaterThanOrEqual(2000);
    client.open(file("big.pipe"), big);
    expect((await client.diagnostics(file("big.pipe"), 1)).diagnostics).toEqual([]);
    const times: Record<string, number> = {};
    const big1 = big.replace("k = 17)", "k = 18)");
    let edits = 0;
    for (let round = 0; round < 5; round++) {
      // An edit before each request (a new two-digit number), so that each one analyses a new text.
      const edit = () => {
        const p = positionOf(big, "k = 17)", 4);
        client.change(file("big.pipe"), { start: p, end: { ...p, character: p.character + 2 } }, String(10 + (edits++ % 90)));
      };
      const cases: [string, string, Record<string, unknown>][] = [
        ["hover", "textDocument/hover", at("big.pipe", big1, "s200 =", 1)],
        ["definition", "textDocument/definition", at("big.pipe", big1, "steps.prepare", 8)],
        ["completion", "textDocument/completion", at("big.pipe", big1, "x = s5.out", 0)],
        ["rename", "textDocument/rename", { ...at("big.pipe", big1, "let s300", 4), newName: "t300" }],
        ["references", "textDocument/references", { ...at("big.pipe", big1, "let s300", 4), context: { includeDeclaration: true } }],
        ["symbols", "textDocument/documentSymbol", { textDocument: { uri: uri(file("big.pipe")) } }],
      ];
      for (const [name, method, params] of cases) {
        edit();
        const { result, ms } = await client.timed<unknown>(method, params);
        expect(result).toBeTruthy();
        times[name] = Math.max(times[name] ?? 0, ms);
        if (process.env["LSP_TRACE"]) console.log(round, name, Math.round(ms));
      }
    }
    const hover = await client.request<Hover>("textDocument/hover", at("big.pipe", big1, "s200 =", 1));
    expect(hover!.contents.value).toContain("let s200: {out: File, score: Float}");
    const rename = await client.request<{ changes: Record<string, unknown[]> }>("textDocument/rename", { ...at("big.pipe", big1, "let s300", 4), newName: "t300" });
    expect(rename.changes[uri(file("big.pipe"))]).toHaveLength(2);
    // Diagnostics after an edit that breaks the file: a code from the checker, and quickly.
    const start = performance.now();
    const v = client.change(file("big.pipe"), { start: positionOf(big, "x = s5.out"), end: positionOf(big, "x = s5.out", 1) }, "y");
    const broken = await client.diagnostics(file("big.pipe"), v);
    times["diagnostics"] = performance.now() - start;
    expect(broken.diagnostics.map((d) => d.code)).toContain("P3004");
    // 200 ms on a machine of its own; a machine shared past its cores gives each process a share of them.
    const contention = Math.max(1, os.loadavg()[0]! / os.cpus().length);
    const budget = 200 * contention;
    console.log(`pipe lsp on a 2,000-line file, slowest of 5 (ms; budget ${Math.round(budget)} at load ${os.loadavg()[0]!.toFixed(1)}):`, Object.fromEntries(Object.entries(times).map(([k, t]) => [k, Math.round(t)])));
    for (const [name, ms] of Object.entries(times)) expect(ms, name).toBeLessThan(budget);
  }, 180_000);
});
