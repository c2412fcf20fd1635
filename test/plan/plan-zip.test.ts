// `zip` never cuts: lists of different lengths known only once parameters are given (or a
// sweep is expanded) fail `pipe plan` and `pipe run` at the `zip`, naming both lengths.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const MAIN = `
action t(x: Int, y: Int) -> (z: Int) {
  shell "echo ~{x} ~{y} > ~{out.z}"
}
action u(x: Int) -> (z: Int) {
  shell "echo ~{x} > ~{out.z}"
}
pipeline main(xs: List[Int] = [1, 2], ys: List[Int] = [3, 4]) -> (a: List[Int], b: List[Int]) {
  let pairs = for (x, y) in zip(xs, ys) { t(x = x, y = y) }
  let firsts = for x in xs { u(x = x) }
  let chained = for (z, y) in zip(firsts.z, ys) { t(x = z, y = y) }
  return (a = pairs.z, b = chained.z)
}
`;

interface PlanJson {
  ok: boolean;
  diagnostics?: { code: string; message: string; hint?: string; span?: { line: number; column: number } }[];
  plan?: { tasks: { id: string }[] };
}

async function plan(dir: string, args: string[]): Promise<{ code: number; json: PlanJson }> {
  const io = recordingIo(dir);
  const code = await run(["plan", path.join(dir, "main.pipe"), "--json", ...args], io);
  return { code, json: JSON.parse(io.stdout()) as PlanJson };
}

describe("zip over lists from parameters", () => {
  it("pairs lists of one length", async () => {
    const dir = project({ "main.pipe": MAIN });
    const { code, json } = await plan(dir, ["-p", "xs=[1,2,3]", "-p", "ys=[4,5,6]"]);
    expect(code).toBe(0);
    expect(json.plan!.tasks.filter((t) => t.id.startsWith("main/pairs")).length).toBe(3);
    expect(json.plan!.tasks.filter((t) => t.id.startsWith("main/chained")).length).toBe(3);
  });

  it("refuses lists of different lengths at the zip, naming both lengths", async () => {
    const dir = project({ "main.pipe": MAIN });
    const { code, json } = await plan(dir, ["-p", "xs=[1,2,3]"]);
    expect(code).toBe(2);
    expect(json.ok).toBe(false);
    // Both loops: one over the parameters, one over a sweep's outputs and a parameter.
    expect(json.diagnostics!.map((d) => [d.code, d.message, d.span?.line, d.span?.column])).toEqual([
      ["P3034", "zip of lists of lengths 3 and 2", 9, 29],
      ["P3034", "zip of lists of lengths 3 and 2", 11, 31],
    ]);
    expect(json.diagnostics![0]!.hint).toContain("drops none");
  });

  it("fails `pipe run` before any task runs", async () => {
    const dir = project({ "main.pipe": MAIN });
    const io = recordingIo(dir);
    expect(await run(["run", path.join(dir, "main.pipe"), "-p", "ys=[7]"], io)).toBe(2);
    expect(io.stderr()).toContain("error P3034: zip of lists of lengths 2 and 1");
    expect(fs.existsSync(path.join(dir, ".pipe/store"))).toBe(false);
  });
});
