// The normative examples of the language brief: 1, 3 and 4 check clean; 2 fails where it should.
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
