// Parameters of the entry pipeline: defaults, `--params file.json`, then `-p name=value`
// (parsed with the language's expression grammar and checked with the checker's rules),
// and the diagnostics for a wrong type, an unknown name and a missing value.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const MAIN = `
action train(lr: Float, n: Int, src: File, tag: String? = none) -> (score: Float) {
  shell "echo ~{lr} ~{n} ~{src} ~{tag} > ~{out.score}"
}
pipeline main(lrs: List[Float] = [0.1], n: Int, src: File = "data/a.csv", cfg: {a: Int, b: String} = {a = 1, b = "x"}, tag: String? = none) -> (scores: List[Float]) {
  let runs = for lr in lrs { train(lr = lr, n = n + 0, src = src, tag = tag) }
  return (scores = runs.score)
}
`.replace("n = n + 0", "n = n");

interface PlanJson {
  ok: boolean;
  diagnostics?: { code: string; message: string; hint?: string; span?: { file: string; line: number; column: number } }[];
  plan?: { params: Record<string, unknown>; tasks: { id: string; args: Record<string, unknown>; command: string }[] };
}

async function plan(dir: string, args: string[], cwd = dir): Promise<{ code: number; json: PlanJson }> {
  const io = recordingIo(cwd);
  const code = await run(["plan", path.join(dir, "main.pipe"), "--json", ...args], io);
  return { code, json: JSON.parse(io.stdout()) as PlanJson };
}

const files = () => ({ "main.pipe": MAIN, "data/a.csv": "a\n", "data/b.csv": "b\n" });

describe("entry parameters", () => {
  it("`-p lrs=[0.1,0.2]` is a typed list; defaults fill the rest", async () => {
    const dir = project(files());
    const { code, json } = await plan(dir, ["-p", "lrs=[0.1,0.2]", "-p", "n=3"]);
    expect(code).toBe(0);
    expect(json.plan!.params).toEqual({ cfg: { $record: { a: 1, b: "x" } }, lrs: [0.1, 0.2], n: 3, src: { $path: "data/a.csv" }, tag: null });
    expect(json.plan!.tasks.map((t) => t.id)).toEqual(["main/runs[lr=0.1]", "main/runs[lr=0.2]"]);
    expect(json.plan!.tasks[0]!.command).toBe('echo 0.1 3 data/a.csv  > "$out/score"');
  });

  it("Int widens to Float; records, optionals and bare words for strings and paths", async () => {
    const dir = project(files());
    const { json } = await plan(dir, ["-p", "lrs=[1, 2e-3]", "-p", "n=-4", "-p", 'cfg={a = 2, b = "y z"}', "-p", "tag=it's", "-p", "src=data/b.csv"]);
    expect(json.ok).toBe(true);
    expect(json.plan!.params).toEqual({ cfg: { $record: { a: 2, b: "y z" } }, lrs: [1, 0.002], n: -4, src: { $path: "data/b.csv" }, tag: "it's" });
    expect(json.plan!.tasks.map((t) => t.id)).toEqual(["main/runs[lr=1.0]", "main/runs[lr=0.002]"]);
    expect(json.plan!.tasks[0]!.command).toBe(`echo 1.0 -4 data/b.csv 'it'"'"'s' > "$out/score"`);
  });

  it("a path given with -p is relative to the working directory", async () => {
    const dir = project(files());
    const { json } = await plan(dir, ["-p", "n=1", "-p", "src=b.csv"], path.join(dir, "data"));
    expect(json.plan!.params["src"]).toEqual({ $path: "data/b.csv" });
  });

  it("a -p value of the wrong type is P3001, pointing into the value", async () => {
    const dir = project(files());
    const { code, json } = await plan(dir, ["-p", "n=1", "-p", 'lrs=[0.1, "fast"]']);
    expect(code).toBe(2);
    expect(json.diagnostics!.map((d) => [d.code, d.message, d.span?.file, d.span?.column])).toEqual([["P3001", "`String` is not assignable to `Float`", "-p lrs", 7]]);
    const n = await plan(dir, ["-p", 'n="three"']);
    expect(n.json.diagnostics!.map((d) => [d.code, d.message])).toEqual([["P3001", "`String` is not assignable to `Int`"]]);
  });

  it("an unknown parameter is P4002 with a did-you-mean hint", async () => {
    const dir = project(files());
    const { code, json } = await plan(dir, ["-p", "n=1", "-p", "lrz=[0.1]"]);
    expect(code).toBe(2);
    expect(json.diagnostics!.map((d) => [d.code, d.message, d.hint])).toEqual([["P4002", "pipeline `main` has no parameter `lrz`", "did you mean `lrs`? (its parameters: lrs, n, src, cfg, tag)"]]);
  });

  it("a parameter without a default or a value is P4003 at its declaration", async () => {
    const dir = project(files());
    const { code, json } = await plan(dir, []);
    expect(code).toBe(2);
    expect(json.diagnostics!.map((d) => [d.code, d.message, d.hint, d.span?.line])).toEqual([["P4003", "pipeline `main` needs a value for parameter `n`", "pass `-p n=...` or give it a default", 5]]);
  });

  it("`--params file.json` gives values (paths relative to the file); -p wins over it", async () => {
    const dir = project({ ...files(), "conf/params.json": JSON.stringify({ lrs: [0.5, 1], n: 7, src: "../data/b.csv", cfg: { a: 3, b: "q" }, tag: null }) });
    const { json } = await plan(dir, ["--params", "conf/params.json", "-p", "n=8"]);
    expect(json.ok).toBe(true);
    expect(json.plan!.params).toEqual({ cfg: { $record: { a: 3, b: "q" } }, lrs: [0.5, 1], n: 8, src: { $path: "data/b.csv" }, tag: null });
  });

  it("mistakes in a params file point into it", async () => {
    const text = '{\n  "lrs": [0.1, "x"],\n  "nn": 2\n}\n';
    const dir = project({ ...files(), "params.json": text });
    const { code, json } = await plan(dir, ["--params", "params.json", "-p", "n=1"]);
    expect(code).toBe(2);
    expect(json.diagnostics!.map((d) => [d.code, d.message, d.hint ?? null, d.span?.file, d.span?.line, d.span?.column])).toEqual([
      ["P4001", 'parameter `lrs`: expected `Float`, got "x"', null, "params.json", 2, 3],
      ["P4002", "pipeline `main` has no parameter `nn`", "did you mean `n`? (its parameters: lrs, n, src, cfg, tag)", "params.json", 3, 3],
    ]);
    fs.writeFileSync(path.join(dir, "params.json"), '{"n": ');
    const broken = await plan(dir, ["--params", "params.json"]);
    expect(broken.json.diagnostics!.map((d) => d.code)).toEqual(["P4009"]);
  });

  it("a NUL byte in a value, from -p or --params, is a P4001 that points at it", async () => {
    const dir = project(files());
    const bare = await plan(dir, ["-p", "n=1", "-p", "tag=a\0b"]);
    expect(bare.code).toBe(2);
    expect(bare.json.diagnostics!.map((d) => [d.code, d.message, d.span?.file, d.span?.column])).toEqual([["P4001", "parameter `tag`: the value holds a NUL byte", "-p tag", 2]]);
    expect(bare.json.diagnostics![0]!.hint).toMatch(/cannot carry a NUL/);
    const quoted = await plan(dir, ["-p", "n=1", "-p", 'tag="a\0b"']);
    expect(quoted.json.diagnostics!.map((d) => [d.code, d.span?.column])).toEqual([["P1012", 3]]);
    fs.writeFileSync(path.join(dir, "params.json"), JSON.stringify({ n: 1, cfg: { a: 1, b: "x\u0000" } }));
    const file = await plan(dir, ["--params", "params.json"]);
    expect(file.json.diagnostics!.map((d) => [d.code, d.message, d.span?.line])).toEqual([["P4001", "parameter `cfg`: field `b`: the value holds a NUL byte (`\\u0000`)", 1]]);
    expect(file.json.diagnostics![0]!.hint).toMatch(/cannot carry a NUL/);
  });
});
