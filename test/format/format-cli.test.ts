// `pipe fmt`: stdout for one file, --write in place, --check with exit 1, directories (stores
// skipped), and exit 2 with diagnostics for a file with a syntax error.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";

const messy = "action a(x:Int=1)->(o:File){shell \"echo ~{x} > ~{out.o}\"}\npipeline main()->(o:File){let r=a()return(o=r.o)}\n";
const tidy = 'action a(x: Int = 1) -> (o: File) {\n  shell "echo ~{x} > ~{out.o}"\n}\n\npipeline main() -> (o: File) {\n  let r = a()\n  return (o = r.o)\n}\n';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-fmt-"));
  fs.writeFileSync(path.join(dir, "messy.pipe"), messy);
  fs.writeFileSync(path.join(dir, "tidy.pipe"), tidy);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function fmt(...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(["fmt", ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("pipe fmt", () => {
  it("prints one file formatted, and leaves it as it is", async () => {
    expect(await fmt("messy.pipe")).toEqual({ code: 0, out: tidy, err: "" });
    expect(fs.readFileSync(path.join(dir, "messy.pipe"), "utf8")).toBe(messy);
  });

  it("--check lists the files that would change and exits 1", async () => {
    const result = await fmt("--check", "messy.pipe", "tidy.pipe");
    expect(result.code).toBe(1);
    expect(result.out).toBe("messy.pipe\n");
    expect(result.err).toContain("1 of 2 files not formatted");
    expect(await fmt("--check", "tidy.pipe")).toEqual({ code: 0, out: "", err: "" });
  });

  it("--write rewrites the files that change", async () => {
    const result = await fmt("--write", "messy.pipe", "tidy.pipe");
    expect(result).toEqual({ code: 0, out: "messy.pipe\n", err: "" });
    expect(fs.readFileSync(path.join(dir, "messy.pipe"), "utf8")).toBe(tidy);
    expect((await fmt("--check", ".")).code).toBe(0);
  });

  it("takes a directory for its .pipe files, stores aside", async () => {
    fs.mkdirSync(path.join(dir, "lib"));
    fs.writeFileSync(path.join(dir, "lib", "more.pipe"), messy);
    fs.mkdirSync(path.join(dir, ".pipe", "store"), { recursive: true });
    fs.writeFileSync(path.join(dir, ".pipe", "store", "x.pipe"), "not a program {");
    const result = await fmt("--check", ".");
    expect(result.code).toBe(1);
    expect(result.out).toBe(`${path.join("lib", "more.pipe")}\nmessy.pipe\n`);
  });

  it("does not format a file with a syntax error: diagnostics and exit 2", async () => {
    fs.writeFileSync(path.join(dir, "bad.pipe"), "action a( {\n");
    const result = await fmt("--write", "bad.pipe", "messy.pipe");
    expect(result.code).toBe(2);
    expect(result.err).toContain("bad.pipe:1:11: error P1003");
    expect(fs.readFileSync(path.join(dir, "bad.pipe"), "utf8")).toBe("action a( {\n");
    // The other files are still formatted.
    expect(fs.readFileSync(path.join(dir, "messy.pipe"), "utf8")).toBe(tidy);
  });

  it("rejects a missing file, several files without a flag, and both flags", async () => {
    expect((await fmt("missing.pipe")).code).toBe(2);
    expect(await fmt("messy.pipe", "tidy.pipe")).toMatchObject({ code: 2, out: "" });
    expect((await fmt("--check", "--write", "messy.pipe")).code).toBe(2);
  });
});
