// Binding the entry pipeline's parameters is the checker's (src/check/params.ts): it hands the
// plan phase typed expressions and given values, and the plan phase only evaluates them
// (src/plan/params.ts), without parsing or checking anything again.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bindParams } from "../../src/check/params.js";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { paramValues } from "../../src/plan/params.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const MAIN = `action t(x: Float) -> (y: File) {
  shell "echo ~{x} > ~{out.y}"
}
pipeline main(lrs: List[Float] = [1, 2], n: Int, src: File = "a.csv", tag: String?, word: String = "w") -> (ys: List[File]) {
  let runs = for lr in lrs { t(x = lr) }
  return (ys = runs.y)
}
`;

function bound(pairs: string[], paramsJson?: unknown) {
  const dir = project({ "main.pipe": MAIN, "a.csv": "a\n", ...(paramsJson ? { "p.json": JSON.stringify(paramsJson) } : {}) });
  const program = frontEnd(path.join(dir, "main.pipe"), nodeFileHost).program!;
  const entry = program.pipelines.get(program.entryPipelines.get("main")!)!;
  const result = bindParams(program, entry, { pairs, ...(paramsJson ? { paramsFile: "p.json" } : {}), cwd: dir }, nodeFileHost);
  return { ...result, values: paramValues(program, entry, result.params) };
}

describe("bindParams", () => {
  it("binds `-p` expressions and defaults to typed expressions, words and JSON values as given", () => {
    const { params, diagnostics, values } = bound(["n=3", "word=two words"], { src: "a.csv" });
    expect(diagnostics).toEqual([]);
    expect(params.get("n")).toMatchObject({ kind: "Expr", expr: { kind: "Literal", value: 3, type: { kind: "Int" } } });
    expect(params.get("lrs")).toMatchObject({ kind: "Expr", expr: { kind: "List" } });
    expect(params.get("word")).toEqual({ kind: "Given", value: { t: "str", v: "two words" } });
    expect(params.get("src")).toEqual({ kind: "Given", value: { t: "path", path: "a.csv", dir: false } });
    expect(params.get("tag")).toEqual({ kind: "Given", value: { t: "none" } });
    // The plan phase evaluates them, converting as the parameter's type says (`Int` → `Float`).
    expect(values.get("lrs")).toEqual({ t: "list", items: [{ t: "float", v: 1 }, { t: "float", v: 2 }] });
    expect(values.get("n")).toEqual({ t: "int", v: 3 });
  });

  it("reports ill-typed, unknown and missing parameters before any plan", () => {
    const { params, diagnostics } = bound(["lrs=[\"x\"]", "nn=1"]);
    expect(diagnostics.map((d) => d.code).sort()).toEqual(["P3001", "P4002", "P4003"]);
  });
});

describe("the plan phase", () => {
  it("neither parses nor checks: no plan module imports the parser or the expression checker", () => {
    const dir = path.resolve(import.meta.dirname, "../../src/plan");
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = fs.readFileSync(path.join(dir, file), "utf8");
      expect(text, file).not.toMatch(/from "\.\.\/syntax\/|from "\.\.\/check\/expressions\.js"/);
    }
  });
});
