// Floats in commands and ids are written as Python's `repr` writes them (plan/values.ts): the
// same text for every double, checked against python3 itself, in a task's id and command, and
// in the store for a Float output of a TypeScript action as of a Python one.
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { formatFloat } from "../../src/plan/values.js";
import { run } from "../../src/cli/index.js";
import { cleanProjects, mustPlan, project } from "../fixtures/plan/harness.js";
import { recordingIo } from "../helpers.js";

afterAll(cleanProjects);

const EDGES = [0, -0, 1, -1, 0.1, 1e-4, 1e-5, 9.999e-5, 1.5e-5, 1e15, 9999999999999998, 1e16, 1e21, 1e22, 123.456, 5e-324, 1.7976931348623157e308, -2.5e-300, 2 ** 53, 2 ** 63];

describe("formatFloat", () => {
  it("writes every double as python3's repr does", async () => {
    const values = [...EDGES, ...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), 3000), ...fc.sample(fc.double({ min: 1e-7, max: 1e17, noNaN: true }), 3000)];
    const py = await execa("python3", ["-c", "import sys, struct\nfor h in sys.stdin.read().split(): print(repr(struct.unpack('<d', bytes.fromhex(h))[0]))"], {
      input: values.map((v) => Buffer.from(new Float64Array([v]).buffer).toString("hex")).join("\n"),
    });
    const expected = py.stdout.split("\n");
    const wrong = values.flatMap((v, i) => (formatFloat(v) === expected[i] ? [] : [`${formatFloat(v)} (python: ${expected[i]})`]));
    expect(wrong).toEqual([]);
    expect([NaN, Infinity, -Infinity].map(formatFloat)).toEqual(["nan", "inf", "-inf"]);
  });

  it("is what a task's id and command show", async () => {
    const dir = project({ "main.pipe": `action a(lr: Float) -> (o: File) { shell "echo ~{lr} > ~{out.o}" }\npipeline main() { let r = for lr in [1e-5, 0.0001, 2e16] { a(lr = lr) } }\n` });
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/r[lr=1e-05]", "main/r[lr=0.0001]", "main/r[lr=2e+16]"]);
    expect(plan.tasks.map((t) => t.command)).toEqual(expect.arrayContaining([expect.stringContaining("echo 1e-05 >")]));
  });

  it("is what a TypeScript action's Float output is stored as, as a Python action's is", async () => {
    const dir = project({
      "main.pipe": `action t(x: Float) -> (y: Float) = ts "./a.ts#same"\naction p(x: Float) -> (y: Float) = py "./a.py#same"\npipeline main() -> (ts: List[Float], py: List[Float]) {\n  let a = for x in [1e-5, 2.0, 1e16, 0.25] { t(x = x) }\n  let b = for x in [1e-5, 2.0, 1e16, 0.25] { p(x = x) }\n  return (ts = a.y, py = b.y)\n}\n`,
      "a.ts": "export function same(args: { x: number }): { y: number } {\n  return { y: args.x };\n}\n",
      "a.py": "from typing import TypedDict\n\n\nclass Out(TypedDict):\n    y: float\n\n\ndef same(x: float) -> Out:\n    return {\"y\": x}\n",
    });
    const io = recordingIo(dir);
    expect(await run(["run", "main.pipe", "--quiet"], io), io.stderr()).toBe(0);
    const plan = await mustPlan(dir);
    const stored = (loop: string) => plan.tasks.filter((t) => t.id.startsWith(`main/${loop}[`)).map((t) => fs.readFileSync(path.join(dir, ".pipe", "store", t.key, "y"), "utf8"));
    expect(stored("a")).toEqual(["1e-05\n", "2.0\n", "1e+16\n", "0.25\n"]);
    expect(stored("b")).toEqual(stored("a"));
  });
});
