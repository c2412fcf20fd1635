// pipe as a user gets it: the tarball `npm pack` makes, installed into an empty directory
// with npm (from its cache, the registry only for what the cache lacks). What ships, the
// version, `pipe init` and its project running, prettier loading the plugin by name, a
// TypeScript action, a closed output pipe, and no escape codes on a terminal under NO_COLOR.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const version = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
let dir: string;
let app: string;
let files: string[];
const bin = () => path.join(app, "node_modules", ".bin");

const exec = promisify(execFile);

/** Runs without blocking the test worker (a blocked worker misses the runner's calls). */
async function sh(command: string, cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const r = await exec("bash", ["-c", command], { cwd, encoding: "utf8", env: { ...process.env, PATH: `${bin()}:${process.env["PATH"]}`, ...env }, timeout: 120_000, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number | null; stdout: string; stderr: string };
    return { code: typeof e.code === "number" ? e.code : null, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs a command on a terminal (util-linux `script` gives it a pty) and returns what the terminal got. */
async function onTty(command: string, cwd: string, env: Record<string, string>): Promise<string> {
  return (await sh(`script -qec ${JSON.stringify(command)} /dev/null`, cwd, { TERM: "xterm-256color", ...env })).stdout;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-package-"));
  // --ignore-scripts: pack the build the other tests use rather than rebuild it under them.
  const packed = JSON.parse((await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" })).stdout) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  app = path.join(dir, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
  await exec("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", path.join(dir, packed[0]!.filename)], { cwd: app, encoding: "utf8", timeout: 240_000 });
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the packed package", () => {
  it("ships the build, the standard library, the language reference and the licence, and no source maps", async () => {
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "docs/language.md", "bin/pipe.js", "dist/cli/index.js", "dist/lsp/server.js", "dist/format/plugin.js", "stdlib/files.pipe", "grammar/pipe.tmLanguage.json"]));
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);
    // The reference stands on its own: no link leaves the repository.
    const doc = fs.readFileSync(path.join(root, "docs/language.md"), "utf8");
    expect(doc).not.toMatch(/\.\.\/shared|LANGUAGE\.md|https?:\/\//);
  });

  it("reports its version", async () => {
    const r = await sh("pipe --version", app);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("writes a starter project that runs at once, and refuses to write over it", async () => {
    const init = await sh("pipe init starter", app);
    expect(init.code).toBe(0);
    const project = path.join(app, "starter");
    expect(fs.readFileSync(path.join(project, ".gitignore"), "utf8")).toBe(".pipe/\n");
    expect(JSON.parse(fs.readFileSync(path.join(project, "pipe.config.json"), "utf8"))).toMatchObject({ store: ".pipe/store" });
    const run = await sh("pipe run main.pipe", project);
    expect(run.stderr).toContain("3 to run");
    expect(run).toMatchObject({ code: 0, stdout: "words = 9\n" });
    const again = await sh("pipe run main.pipe", project);
    expect(again.stderr).toContain("0 to run, 3 cached");
    expect(fs.readFileSync(path.join(project, ".pipe", ".gitignore"), "utf8")).toContain("*");
    const before = fs.readFileSync(path.join(project, "main.pipe"), "utf8");
    fs.writeFileSync(path.join(project, "main.pipe"), before + "# mine\n");
    const refused = await sh("pipe init starter", app);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("not overwriting");
    expect(fs.readFileSync(path.join(project, "main.pipe"), "utf8")).toBe(before + "# mine\n");
    expect((await sh("pipe fmt --check starter", app)).code).toBe(0);
  });

  it("is a prettier plugin by name, on the command line and in .prettierrc", async () => {
    const messy = "pipeline   main( ) -> ( x : Int ) {\n  let c = count( n=1 )\n return (x=c.n)\n}\naction count(n: Int) -> (n: Int) { shell \"echo ~{n} > ~{out.n}\" }\n";
    fs.writeFileSync(path.join(app, "messy.pipe"), messy);
    const expected = await sh("pipe fmt messy.pipe", app);
    expect(expected.stdout).toContain("pipeline main() -> (x: Int) {");
    const byFlag = await sh("prettier --plugin pipe-lang messy.pipe", app);
    expect(byFlag).toMatchObject({ code: 0, stdout: expected.stdout });
    fs.mkdirSync(path.join(app, "rc"));
    fs.writeFileSync(path.join(app, "rc", ".prettierrc"), JSON.stringify({ plugins: ["pipe-lang"] }));
    fs.writeFileSync(path.join(app, "rc", "messy.pipe"), messy);
    const byConfig = await sh("prettier messy.pipe", path.join(app, "rc"));
    expect(byConfig).toMatchObject({ code: 0, stdout: expected.stdout });
  });

  it("runs a TypeScript action", async () => {
    const project = path.join(app, "ts");
    fs.mkdirSync(path.join(project, "actions"), { recursive: true });
    fs.writeFileSync(path.join(project, "actions", "best.ts"), "export function best({ scores }: { scores: number[] }): { index: number } {\n  return { index: scores.indexOf(Math.max(...scores)) };\n}\n");
    fs.writeFileSync(
      path.join(project, "main.pipe"),
      'action best(scores: List[Float]) -> (index: Int) = ts "./actions/best.ts#best"\n\npipeline main() -> (i: Int) {\n  let b = best(scores = [0.1, 0.9, 0.3])\n  return (i = b.index)\n}\n',
    );
    const run = await sh("pipe run main.pipe", project);
    expect(run).toMatchObject({ code: 0, stdout: "i = 1\n" });
  });

  it("exits 0 without a word when the reader of its output goes away", async () => {
    const project = path.join(app, "starter");
    // Enough recorded runs that the listing outlasts the pipe's buffer after `head` has gone.
    const runs = path.join(project, ".pipe", "runs");
    const first = fs.readdirSync(runs)[0]!;
    for (let i = 0; i < 3000; i++) fs.cpSync(path.join(runs, first, "run.json"), path.join(runs, `${first}-${String(i).padStart(4, "0")}`, "run.json"));
    const history = await sh("set -o pipefail; pipe history | head -1", project);
    expect(history).toMatchObject({ code: 0, stderr: "" });
    expect(history.stdout.split("\n")).toHaveLength(2);
    const plan = await sh("set -o pipefail; pipe plan --plan-only main.pipe | head -c 10", project);
    expect(plan).toMatchObject({ code: 0, stderr: "" });
  });

  it("sends no escape codes to a terminal under NO_COLOR or TERM=dumb, and colours otherwise", async () => {
    const project = path.join(app, "starter");
    fs.writeFileSync(path.join(project, "bad.pipe"), fs.readFileSync(path.join(project, "main.pipe"), "utf8").replace("text = text", "txt = text"));
    const coloured = await onTty("pipe check bad.pipe; pipe plan main.pipe", project, {});
    expect(coloured).toContain("P3004");
    expect(coloured).toContain("\x1b[");
    for (const env of [{ NO_COLOR: "1" }, { TERM: "dumb" }]) {
      const out = await onTty("pipe check bad.pipe; pipe plan main.pipe; pipe run main.pipe --force '*'; pipe diff main.pipe bad.pipe", project, env);
      expect(out).toContain("P3004");
      expect(out).toContain("3 tasks");
      expect(out, JSON.stringify(env)).not.toContain("\x1b");
    }
    expect(await onTty("pipe check bad.pipe --color never", project, {})).not.toContain("\x1b");
    expect((await sh("pipe check bad.pipe --color always", project)).stderr).toContain("\x1b[");
    expect((await sh("pipe check bad.pipe", project, { FORCE_COLOR: "1" })).stderr).toContain("\x1b[");
  });
});
