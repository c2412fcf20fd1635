// Golden tests of `pipe diff`: each folder of test/fixtures/diff holds two versions of a
// project (`a/`, `b/`), optional extra arguments (`args.json`) and the expected output
// (`expected.txt`: exit code, stdout, stderr). UPDATE_GOLDEN=1 rewrites the expectations.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { expectGolden } from "../golden.js";
import { recordingIo } from "../helpers.js";

const fixtures = path.resolve(import.meta.dirname, "..", "fixtures", "diff");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-diff-golden-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function diffCase(name: string): Promise<string> {
  // A copy, so that the compiler's hash cache (.pipe/) never lands in the fixtures.
  const dir = path.join(work, name);
  fs.cpSync(path.join(fixtures, name), dir, { recursive: true });
  const argsFile = path.join(dir, "args.json");
  const extra: string[] = fs.existsSync(argsFile) ? JSON.parse(fs.readFileSync(argsFile, "utf8")) : [];
  const io = recordingIo(dir);
  const code = await run(["diff", "a/main.pipe", "b/main.pipe", ...extra], io);
  return `exit ${code}\n--- stdout\n${io.stdout()}--- stderr\n${io.stderr()}`;
}

describe("pipe diff golden outputs", () => {
  const cases = fs.readdirSync(fixtures).filter((n) => fs.existsSync(path.join(fixtures, n, "a")));
  for (const name of cases.sort()) {
    it(name, async () => {
      const actual = await diffCase(name);
      const expectedFile = path.join(fixtures, name, "expected.txt");
      expectGolden(expectedFile, actual);
    });
  }
});
