// How the command line behaves around the programs it runs: standard input for check and
// fmt, `run --json` as one JSON document per line even when nothing compiles, `-j` past the
// cpus, an unknown `-p`, the colour rule (color.ts) and `--color`, `--version`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useColor } from "../../src/cli/color.js";
import { run } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { recordingIo } from "../helpers.js";

const good = 'action a(x: Int = 1) -> (o: Int) {\n  shell "echo ~{x} > ~{out.o}"\n}\n\npipeline main(n: Int = 2, tag: String = "t") -> (o: Int) {\n  let r = a(x = n)\n  return (o = r.o)\n}\n';
const bad = good.replace("a(x = n)", "a(y = n)");

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-manners-"));
  fs.writeFileSync(path.join(dir, "main.pipe"), good);
  fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus: 2 } }));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function pipe(args: string[], stdin?: string, env: Record<string, string> = {}) {
  const io = { ...recordingIo(dir, env), ...(stdin !== undefined ? { readStdin: () => stdin } : {}) };
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("standard input", () => {
  it("check - reads the program from standard input, its imports relative to --stdin-filepath", async () => {
    fs.mkdirSync(path.join(dir, "lib"));
    fs.writeFileSync(path.join(dir, "lib", "a.pipe"), 'action a(x: Int = 1) -> (o: Int) {\n  shell "echo ~{x} > ~{out.o}"\n}\n');
    const program = 'import "./a.pipe"\n\npipeline main() -> (o: Int) {\n  let r = a(y = 1)\n  return (o = r.o)\n}\n';
    const r = await pipe(["check", "-", "--stdin-filepath", "lib/main.pipe"], program);
    expect(r.code).toBe(2);
    expect(r.err).toContain("lib/main.pipe:4:");
    expect(r.err).toContain("P3004");
    expect((await pipe(["check", "-", "--stdin-filepath", "lib/main.pipe"], program.replace("y = 1", "x = 1"))).code).toBe(0);
    const json = await pipe(["check", "-", "--json"], bad);
    expect(JSON.parse(json.out).diagnostics[0].span.file).toBe("<stdin>.pipe");
  });

  it("fmt - formats standard input to standard output, or checks it", async () => {
    const messy = "pipeline   main( ) -> ( o: Int ) {\n  let r = a( x=1 )\n return (o=r.o)\n}\n";
    const r = await pipe(["fmt", "-"], messy);
    expect(r).toEqual({ code: 0, out: "pipeline main() -> (o: Int) {\n  let r = a(x = 1)\n  return (o = r.o)\n}\n", err: "" });
    expect(await pipe(["fmt", "-", "--check", "--stdin-filepath", "x.pipe"], messy)).toMatchObject({ code: 1, out: "x.pipe\n" });
    expect(await pipe(["fmt", "-", "--check"], r.out)).toMatchObject({ code: 0, out: "" });
    expect((await pipe(["fmt", "-", "--write"], messy)).code).toBe(2);
  });
});

describe("pipe run", () => {
  it("--json prints one JSON document per line, also when the program does not compile", async () => {
    fs.writeFileSync(path.join(dir, "bad.pipe"), bad);
    const r = await pipe(["run", "bad.pipe", "--json"]);
    expect(r.code).toBe(2);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: "result", status: "invalid", ok: false, diagnostics: [expect.objectContaining({ code: "P3004" })] });
    const unknown = await pipe(["run", "main.pipe", "--json", "-p", "nope=1"]);
    expect(unknown.out.trimEnd().split("\n").map((l) => JSON.parse(l).type)).toEqual(["result"]);
    const ok = await pipe(["run", "main.pipe", "--json"]);
    expect(ok.code).toBe(0);
    for (const line of ok.out.trimEnd().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("-j above the cpus says that it is capped", async () => {
    const r = await pipe(["run", "main.pipe", "-j", "16"]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("-j 16 is capped at 2, pipe.config.json's local.cpus");
    expect((await pipe(["run", "main.pipe", "-j", "2", "--force", "*"])).err).not.toContain("capped");
  });

  it("-p with an unknown name lists the parameters", async () => {
    const r = await pipe(["plan", "main.pipe", "-p", "nn=3"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("hint: did you mean `n`? (its parameters: n, tag)");
    const far = await pipe(["plan", "main.pipe", "-p", "zzzz=3"]);
    expect(far.err).toContain("hint: its parameters: n, tag");
  });
});

describe("colour", () => {
  const tty = (env: Record<string, string>, color?: Io["color"]): Io => ({ ...recordingIo(dir, env), stdoutIsTTY: true, stderrIsTTY: true, ...(color ? { color } : {}) });
  it("follows --color, then NO_COLOR, FORCE_COLOR and TERM=dumb, then the terminal", () => {
    expect(useColor(tty({}), "err")).toBe(true);
    expect(useColor(recordingIo(dir), "err")).toBe(false);
    expect(useColor(tty({ NO_COLOR: "1" }), "err")).toBe(false);
    expect(useColor(tty({ NO_COLOR: "" }), "err")).toBe(true);
    expect(useColor(tty({ TERM: "dumb" }), "out")).toBe(false);
    expect(useColor(recordingIo(dir, { FORCE_COLOR: "1" }), "out")).toBe(true);
    expect(useColor(recordingIo(dir, { FORCE_COLOR: "0" }), "out")).toBe(false);
    expect(useColor(tty({ NO_COLOR: "1" }, "always"), "err")).toBe(true);
    expect(useColor(tty({ FORCE_COLOR: "1" }, "never"), "err")).toBe(false);
  });

  it("--color always colours diagnostics off a terminal; --no-color and a bad value", async () => {
    fs.writeFileSync(path.join(dir, "bad.pipe"), bad);
    expect((await pipe(["check", "bad.pipe", "--color", "always"])).err).toContain("\x1b[");
    expect((await pipe(["--color=always", "check", "bad.pipe"])).err).toContain("\x1b[");
    expect((await pipe(["check", "bad.pipe", "--no-color"], undefined, { FORCE_COLOR: "1" })).err).not.toContain("\x1b[");
    expect(await pipe(["check", "bad.pipe", "--color=sometimes"])).toMatchObject({ code: 2, err: "pipe: --color takes always, never or auto (got sometimes)\n" });
  });
});

describe("pipe --version", () => {
  it("prints the package's version", async () => {
    const version = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")).version;
    expect(await pipe(["--version"])).toEqual({ code: 0, out: `${version}\n`, err: "" });
  });
});

describe("the project's .pipe folder", () => {
  it("holds a .gitignore of everything once anything is written there", async () => {
    expect((await pipe(["run", "main.pipe"])).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, ".pipe", ".gitignore"), "utf8")).toMatch(/^\*$/m);
  });
});
