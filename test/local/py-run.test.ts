// Python actions run locally by the shipped runner: normative example 9; records, optionals,
// paths and a helper import with the right outputs; a returned input copied, never moved;
// nothing written into the project; the keys follow the module and exactly what it
// imports; an exception fails the task with its traceback and the last line in the
// summary; a wrong return fails it with the output named; the interpreter comes from the
// config, else the project's .venv, else python3; the self-contained script gives the
// same results.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import type { Plan } from "../../src/plan/plan.js";
import { recordingIo } from "../helpers.js";
import { rerunBySelfContainedScripts } from "../local-harness.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function copy(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-py-run-"));
  made.push(dir);
  fs.cpSync(source, dir, { recursive: true, filter: (src) => path.basename(src) !== ".pipe" });
  return dir;
}

async function pipe(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo(cwd);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

async function planOf(dir: string): Promise<Map<string, string>> {
  const r = await pipe(dir, "plan", "--plan-only", "main.pipe");
  expect(r.code, r.err).toBe(0);
  const plan = JSON.parse(r.out) as Plan;
  return new Map(plan.tasks.map((t) => [t.id, t.key]));
}

function changed(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...a].filter(([id, key]) => b.get(id) !== key).map(([id]) => id).sort();
}

/** Every file of the project, `.pipe` left out. */
function projectFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => !f.startsWith(".pipe") && !f.includes("__pycache__")).sort();
}

describe("Python actions, run locally", () => {
  it("normative example 9 prints best = 1", async () => {
    const dir = copy(path.join(root, "examples/python-pick"));
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe("best = 1\n");
  });

  it("records, optionals, paths and a helper import give the right outputs, and the project is left as it was", async () => {
    const dir = copy(path.join(root, "test/fixtures/py/project"));
    const before = projectFiles(dir);
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    const out = printedOutputs(r.out);
    expect(out["best"]).toBe("120.0");
    expect(out["n"]).toBe("3");
    expect(out["labels"]).toBe("[lr=0.5, lr=2.0]");
    expect(fs.readFileSync(out["report"]!, "utf8")).toBe("report\nlr=0.5: 30.0\nlr=2.0: 120.0\n");
    // The input returned as an output is a copy; the project's file stays.
    expect(fs.readFileSync(out["raw"]!, "utf8")).toBe("1\n2\n3\n4\n5\n");
    expect(fs.readFileSync(path.join(dir, "data/points.txt"), "utf8")).toBe("1\n2\n3\n4\n5\n");
    // Files made by relative name (data.txt, report.txt) were the tasks' own.
    expect(projectFiles(dir)).toEqual(before);
    const again = await pipe(dir, "run", "main.pipe");
    expect(again.err).toContain("0 to run, 4 cached");
  });

  it("rerun exactly the tasks that call through an edited helper, and nothing for an unrelated module", async () => {
    const dir = copy(path.join(root, "test/fixtures/py/project"));
    const k0 = await planOf(dir);
    fs.appendFileSync(path.join(dir, "unrelated.py"), "VALUE = 2\n");
    fs.appendFileSync(path.join(dir, "steps/report.py"), "\n");
    // A blank line more in report.py changes its content: summarize reruns, nothing else.
    const k1 = await planOf(dir);
    expect(changed(k0, k1)).toEqual(["main/s"]);
    fs.appendFileSync(path.join(dir, "helpers.py"), "# reworded\n");
    const k2 = await planOf(dir);
    // helpers.py is imported by steps/util.py, which steps/train.py imports: the train tasks
    // and, through their new keys, the summary that reads them.
    expect(changed(k1, k2)).toEqual(["main/runs[lr=0.5]", "main/runs[lr=2.0]", "main/s"]);
  });

  it("fail a task whose function raises, with the traceback in its log and the last line in the summary", async () => {
    const dir = copy(path.join(root, "examples/python-pick"));
    fs.writeFileSync(
      path.join(dir, "select.py"),
      ["from typing import TypedDict", "class Pick(TypedDict):", "    index: int", "def pick(scores: list[float]) -> Pick:", "    raise ValueError(f'{len(scores)} scores, none good')", ""].join("\n"),
    );
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code).toBe(1);
    expect(r.err).toContain("Traceback (most recent call last):");
    expect(r.err).toContain("error: select.py#pick raised ValueError: 3 scores, none good (at select.py:5)");
    expect(r.err).not.toContain("pipe_runner.py");
  });

  it("fail a task whose function returns what its outputs are not, naming the output", async () => {
    const dir = copy(path.join(root, "examples/python-pick"));
    const write = (body: string) =>
      fs.writeFileSync(path.join(dir, "select.py"), ["from typing import TypedDict", "class Pick(TypedDict):", "    index: int", "def pick(scores: list[float]) -> Pick:", `    ${body}`, ""].join("\n"));
    write("return {'index': 'one'}");
    let r = await pipe(dir, "run", "main.pipe");
    expect(r.code).toBe(1);
    expect(r.err).toContain("error: select.py#pick returned 'one' for output `index`, which is not an Int");
    write("return {'other': 1}");
    r = await pipe(dir, "run", "main.pipe");
    expect(r.err).toContain("error: select.py#pick returned no value for output `index`");
    write("return [1]");
    r = await pipe(dir, "run", "main.pipe");
    expect(r.err).toContain("error: select.py#pick returned list, not a dict or a dataclass instance of outputs");
  });

  it("run the interpreter the config names, else the project's .venv, else python3", async () => {
    const dir = copy(path.join(root, "examples/python-pick"));
    const real = path.join(process.env["PATH"]!.split(":").find((p) => fs.existsSync(path.join(p, "python3")))!, "python3");
    const wrapper = (name: string) => `#!/bin/sh\necho ${name} >> "$PIPE_PROJECT/../${path.basename(dir)}.log"\nexec ${real} "$@"\n`;
    const log = path.join(path.dirname(dir), `${path.basename(dir)}.log`);
    made.push(log);
    fs.mkdirSync(path.join(dir, ".venv/bin"), { recursive: true });
    fs.writeFileSync(path.join(dir, ".venv/bin/python"), wrapper("venv"), { mode: 0o755 });
    let r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(log, "utf8")).toBe("venv\n");
    fs.writeFileSync(path.join(dir, "tools-python"), wrapper("config"), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ python: { default: "./tools-python", actions: { other: "python3" } } }));
    r = await pipe(dir, "run", "--force", "main/p", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(fs.readFileSync(log, "utf8")).toBe("venv\nconfig\n");
  });

  it("run every action of the standard library with the results it documents", async () => {
    const dir = copy(path.join(root, "test/fixtures/py/stdlib"));
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    const out = printedOutputs(r.out);
    expect(stdlibValues(out)).toEqual(STDLIB_VALUES);
    expect(stdlibFiles(out)).toEqual(STDLIB_FILES);
  });

  it("give the same results by the self-contained task scripts", async () => {
    const dir = copy(path.join(root, "test/fixtures/py/project"));
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    process.env["PIPE_HOME"] = root;
    const { plan, store } = await rerunBySelfContainedScripts(dir);
    const summary = plan.tasks.find((t) => t.id === "main/s")!;
    expect(fs.readFileSync(path.join(store, summary.key, "report"), "utf8")).toBe(fs.readFileSync(path.join(dir, ".pipe/store", summary.key, "report"), "utf8"));
    expect(fs.readFileSync(path.join(store, summary.key, "best"), "utf8")).toBe("120.0\n");
  });
});

/** The scalar and structured results of test/fixtures/py/stdlib, as `pipe run` prints them. */
export const STDLIB_VALUES = {
  best: "1",
  value: "0.9",
  lowest: "2",
  top: "[1, 0]",
  top_values: "[0.9, 0.3]",
  cfg: "{bs = 2, lr = 0.9}",
  mean: "0.43333333333333335",
  std: "0.41633319989322654",
  n: "3",
  low: "-0.03779203332729458",
  acc: "1.5",
  tags: '["a", "b"]',
  lines: "3",
};

export const STDLIB_FILES = {
  merged: '{\n "a": 3,\n "n": {\n  "x": 1,\n  "y": 2\n },\n "b": 2\n}\n',
  csv: "bs,lr\r\n1,0.3\r\n2,0.9\r\n3,0.1\r\n",
  csv_cols: "lr\r\n0.3\r\n0.9\r\n0.1\r\n",
  concat: "l1\nl2\nl3\nl1\nl2\nl3\n",
  head: "l1\nl2\n",
};

export function stdlibValues(out: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(STDLIB_VALUES).map((k) => [k, out[k]!]));
}

export function stdlibFiles(out: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(STDLIB_FILES).map((k) => [k, fs.readFileSync(out[k]!, "utf8")]));
}

/** `name = value` lines as `pipe run` prints the entry's outputs. */
export function printedOutputs(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split("\n").map((l) => [l.slice(0, l.indexOf(" = ")), l.slice(l.indexOf(" = ") + 3)]));
}
