// Python actions at compile time: signatures inferred from hints (records, optionals,
// paths, defaults, string and postponed annotations, classes imported from a helper) and
// declared ones checked against them; the module closure that goes into the keys; one
// analyser process for a whole program; python3 missing (P6008). The diagnostics' text
// is pinned by the golden fixtures test/fixtures/errors/py-*.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TAction, TPy } from "../../src/check/typed.js";
import * as Ty from "../../src/check/types.js";
import { LineMap } from "../../src/diagnostics/diagnostic.js";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const project = path.join(root, "test/fixtures/py/project");
const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-py-check-"));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function action(result: ReturnType<typeof frontEnd>, name: string): TAction {
  const found = [...(result.program?.actions.values() ?? [])].find((a) => a.name === name);
  if (!found) throw new Error(`no action ${name}: ${JSON.stringify(result.diagnostics)}`);
  return found;
}

const shown = (items: readonly { name: string; type: Ty.Type }[]): string[] => items.map((i) => `${i.name}: ${Ty.show(i.type)}`);

describe("Python action signatures", () => {
  const result = frontEnd(path.join(project, "main.pipe"), nodeFileHost);

  it("are inferred from hints: paths, optionals and defaults, TypedDict and dataclass records, string annotations", () => {
    expect(result.diagnostics).toEqual([]);
    const prepare = action(result, "prepare");
    expect(shown(prepare.params)).toEqual(["src: File", "limit: Int?"]);
    expect(shown(prepare.outputs)).toEqual(["data: File", "n: Int", "raw: File"]);
    const train = action(result, "train");
    // `from __future__ import annotations`, `"str | None"`, a dataclass with a default field.
    expect(shown(train.params)).toEqual(["data: File", "cfg: {epochs: Int, lr: Float, tag: String?}", "scale: Int", "note: String?"]);
    expect(shown(train.outputs)).toEqual(["score: Float", "label: String"]);
  });

  it("keep a declared signature that agrees, narrower where that is safe", () => {
    const summarize = action(result, "summarize");
    expect(shown(summarize.params)).toEqual(["scores: List[Float]", "labels: List[String]", "title: String?"]);
    expect(shown(summarize.outputs)).toEqual(["best: Float", "report: File"]);
  });

  it("list the module and the project modules it imports, transitively, as Python resolves them", () => {
    const sources = (name: string) => (action(result, name).impl as TPy).sources.map((f) => path.relative(project, f));
    expect(sources("prepare")).toEqual(["steps/prepare.py"]);
    // steps/train.py imports util (beside it), which imports helpers (from the project root).
    expect(sources("train")).toEqual(["helpers.py", "steps/train.py", "steps/util.py"]);
    expect(sources("summarize")).toEqual(["steps/report.py"]);
  });

  it("map Annotated[Path, \"dir\"] to Dir, and let a declared Dir stand for a plain Path", () => {
    const dir = tempProject({
      "main.pipe": 'action a = py "./m.py#a"\naction b(d: Dir) -> (out: Dir) = py "./m.py#b"\npipeline main() {}\n',
      "m.py": [
        "from pathlib import Path",
        "from typing import Annotated, TypedDict",
        "import typing as t",
        "class Out(TypedDict):",
        "    out: Path",
        "class Many(TypedDict, total=False):",
        "    k: int",
        "def a(d: Annotated[Path, 'dir'], xs: t.List[t.Optional[int]], m: Many) -> None: ...",
        "def b(d: Path) -> Out: ...",
        "",
      ].join("\n"),
    });
    const r = frontEnd(path.join(dir, "main.pipe"), nodeFileHost);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(shown(action(r, "a").params)).toEqual(["d: Dir", "xs: List[Int?]", "m: {k: Int?}"]);
    expect(shown(action(r, "a").outputs)).toEqual([]);
    expect(shown(action(r, "b").params)).toEqual(["d: Dir"]);
  });

  it("point a mismatch at the .pipe reference and at the Python line", () => {
    const r = frontEnd(path.join(root, "test/fixtures/errors/py-mismatch/main.pipe"), nodeFileHost);
    const first = r.diagnostics.find((d) => d.code === "P6004")!;
    expect(first.span!.file).toMatch(/main\.pipe$/);
    const note = first.related![0]!;
    expect(note.span.file).toMatch(/select\.py$/);
    const lines = new LineMap(fs.readFileSync(note.span.file, "utf8"));
    expect(lines.position(note.span.start)).toEqual({ line: 9, column: 31 });
  });

  it("read every module of a program in one analyser process, never importing it", () => {
    const marker = path.join(os.tmpdir(), `pipe-py-imported-${process.pid}`);
    const dir = tempProject({
      "main.pipe": 'action a = py "./one.py#a"\naction b = py "./two.py#b"\npipeline main() {}\n',
      "one.py": `open(${JSON.stringify(marker)}, "w").write("imported")\ndef a(x: int) -> None: ...\n`,
      "two.py": "def b(y: str) -> None: ...\n",
    });
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    const real = path.join(process.env["PATH"]!.split(":").find((p) => fs.existsSync(path.join(p, "python3")))!, "python3");
    fs.writeFileSync(path.join(bin, "python3"), `#!/bin/sh\necho call >> ${JSON.stringify(log)}\nexec ${real} "$@"\n`, { mode: 0o755 });
    const saved = process.env["PATH"];
    process.env["PATH"] = `${bin}:${saved}`;
    try {
      const r = frontEnd(path.join(dir, "main.pipe"), nodeFileHost);
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(shown(action(r, "a").params)).toEqual(["x: Int"]);
      expect(shown(action(r, "b").params)).toEqual(["y: String"]);
    } finally {
      process.env["PATH"] = saved;
    }
    expect(fs.readFileSync(log, "utf8")).toBe("call\n");
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("say so when python3 is not on PATH (P6008), at each Python action", () => {
    const dir = tempProject({ "main.pipe": 'action a = py "./m.py#a"\npipeline main() {}\n', "m.py": "def a() -> None: ...\n" });
    const saved = process.env["PATH"];
    process.env["PATH"] = path.join(dir, "no-such-bin");
    try {
      const r = frontEnd(path.join(dir, "main.pipe"), nodeFileHost);
      const d = r.diagnostics.find((x) => x.code === "P6008");
      expect(d?.message).toBe("cannot read Python modules with `python3`: `python3` is not on PATH");
      expect(d?.span?.file).toBe(path.join(dir, "main.pipe"));
    } finally {
      process.env["PATH"] = saved;
    }
  });
});
