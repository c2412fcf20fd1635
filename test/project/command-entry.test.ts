// bin/pipe.js run as a command (as `pipe`, `npx pipe` and node_modules/.bin/pipe run it):
// its shell line starts node without NODE_EXTRA_CA_CERTS, so that node does not read a file
// of certificates at every start-up, and the value is handed back before anything runs.
// A file that does not exist makes node warn at start-up, which shows whether pipe's own
// node read it; an action's output shows what the actions see.

import { execa } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(root, "bin", "pipe.js");
const WARNING = /Ignoring extra certs/;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-entry-"));
  fs.writeFileSync(
    path.join(dir, "main.pipe"),
    'action seen(tag: String) -> (o: File) {\n  cache = false\n  shell "printf \'%s|%s|%s\' \\"${NODE_EXTRA_CA_CERTS-(unset)}\\" \\"${PIPE_NODE_EXTRA_CA_CERTS-(unset)}\\" ~{tag} > ~{out.o}"\n}\n\npipeline main(tag: String = "t") -> (o: File) {\n  let s = seen(tag = tag)\n  return (o = s.o)\n}\n',
  );
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `command ...args` in the project with NODE_EXTRA_CA_CERTS set to `ca`, or unset when undefined. */
function pipe(command: string[], args: string[], ca: string | undefined) {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env["NODE_EXTRA_CA_CERTS"];
  delete env["PIPE_NODE_EXTRA_CA_CERTS"];
  if (ca !== undefined) env["NODE_EXTRA_CA_CERTS"] = ca;
  return execa(command[0]!, [...command.slice(1), ...args], { cwd: dir, env, extendEnv: false, reject: false });
}

/** What the action saw: NODE_EXTRA_CA_CERTS, the variable that carried it, and its argument. */
async function seenByAction(command: string[], ca: string | undefined, tag = "t"): Promise<string> {
  const r = await pipe(command, ["run", "main.pipe", "--quiet", "-p", `tag=${tag}`], ca);
  expect(r.exitCode, r.stderr).toBe(0);
  const file = /o = (\S+)/.exec(r.stdout)?.[1];
  expect(file, r.stdout).toBeDefined();
  return fs.readFileSync(file!, "utf8");
}

describe("bin/pipe.js run as a command", () => {
  it("starts node without reading NODE_EXTRA_CA_CERTS; `node bin/pipe.js` still reads it", async () => {
    const missing = path.join(dir, "no such file.pem");
    const direct = await pipe([bin], ["--version"], missing);
    expect(direct.exitCode).toBe(0);
    expect(direct.stderr).not.toMatch(WARNING);
    const throughNode = await pipe(["node", bin], ["--version"], missing);
    expect(throughNode.stderr).toMatch(WARNING);
    expect(throughNode.stdout).toBe(direct.stdout);
  });

  it("hands every action NODE_EXTRA_CA_CERTS as it was: a path with spaces and quotes, empty, or unset", async () => {
    const odd = path.join(dir, `it's "a" $HOME file.pem`);
    expect(await seenByAction([bin], odd)).toBe(`${odd}|(unset)|t`);
    expect(await seenByAction([bin], "")).toBe("|(unset)|t");
    expect(await seenByAction([bin], undefined)).toBe("(unset)|(unset)|t");
    expect(await seenByAction(["node", bin], odd)).toBe(`${odd}|(unset)|t`);
  });

  it("passes its arguments through unchanged and exits with pipe's code, also through a link", async () => {
    const link = path.join(dir, "link-to-pipe");
    fs.symlinkSync(bin, link);
    const tag = `a b * "c" $HOME \\ 'd'`;
    expect(await seenByAction([link], undefined, tag)).toBe(`(unset)|(unset)|${tag}`);
    const missing = await pipe([link], ["check", "absent.pipe"], undefined);
    const missingThroughNode = await pipe(["node", bin], ["check", "absent.pipe"], undefined);
    expect(missing.exitCode).not.toBe(0);
    expect([missing.exitCode, missing.stderr]).toEqual([missingThroughNode.exitCode, missingThroughNode.stderr]);
  });
});
