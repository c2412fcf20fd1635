// The normative examples of the language brief: 1, 3 and 4 check clean; 2 fails where it
// should. examples/per-sample, the expressions of version 2 at work, runs end to end.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "..", "..");

describe("normative examples", () => {
  for (const name of ["hello", "sweep", "nested"]) {
    it(`${name} checks clean`, () => {
      const result = frontEnd(path.join(root, "examples", name, "main.pipe"), nodeFileHost);
      expect(result.diagnostics).toEqual([]);
      expect(result.program).toBeDefined();
    });
  }

  it("example 2 fails with exit 2 at line 5, naming String and Float", async () => {
    const io = recordingIo(root);
    const code = await run(["check", "test/fixtures/errors/normative-2.pipe"], io);
    expect(code).toBe(2);
    expect(io.stderr()).toContain("normative-2.pipe:5:22: error P3001: `String` is not assignable to `Float`");
  });
});

describe("examples/per-sample", () => {
  it("summarises every sample table with each seed, and a new table adds only its own tasks and the report", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-per-sample-"));
    try {
      fs.cpSync(path.join(root, "examples", "per-sample"), dir, { recursive: true, filter: (s) => path.basename(s) !== ".pipe" });
      const main = path.join(dir, "main.pipe");
      const io = recordingIo(dir);
      expect(await run(["run", main, "-p", "trim=0.1"], io), io.stderr()).toBe(0);
      expect(io.stdout()).toMatch(/^table = .*\/table\nn = 7\n$/);
      const table = fs.readFileSync(io.stdout().split("\n")[0]!.slice("table = ".length), "utf8").split("\n");
      expect(table[0]).toBe("# trimmed means over 4 tables: control treated-high treated reference");
      expect(table.slice(2, 9).map((l) => l.split("\t").slice(0, 2).join(" "))).toEqual([
        "control 0", "control 1", "reference 0", "treated 0", "treated 1", "treated-high 0", "treated-high 1",
      ]);
      expect(io.stderr()).toContain("main/runs[t=treated-high.csv,seed=1]");

      fs.writeFileSync(path.join(dir, "data", "samples", "late.csv"), "id,value\n1,3\n2,5\n");
      const plan = recordingIo(dir);
      expect(await run(["plan", main, "-p", "trim=0.1"], plan)).toBe(0);
      const toRun = plan.stdout().split("\n").filter((l) => l.trimStart().startsWith("run ")).map((l) => l.trim().split(/\s+/)[1]);
      expect(toRun).toEqual(["main/runs[t=late.csv,seed=0]", "main/runs[t=late.csv,seed=1]", "main/r"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
