// Every program the repository ships (examples/, stdlib/) is formatted: `pipe fmt --check`
// of them passes, so a change that leaves one unformatted fails here, in CI.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("the repository's programs", () => {
  it("pass pipe fmt --check", async () => {
    const io = recordingIo(root);
    const code = await run(["fmt", "--check", "examples", "stdlib"], io);
    expect({ code, unformatted: io.stdout(), err: io.stderr() }).toEqual({ code: 0, unformatted: "", err: "" });
  });
});
