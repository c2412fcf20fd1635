// What each command loads: a command loads its own implementation only when it runs, so that
// `pipe check` never loads the schemas or the backends, and a no-op `pipe run` or `pipe plan`
// whose plan is kept never loads the parser, the checker, the schemas or the driver. Every
// module a real `pipe` process loads is recorded (ESM by a loader hook, CommonJS from the
// require cache) and the unwanted ones are named.

import { execa } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");
let tmp: string;

const HOOKS = `import fs from "node:fs";
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) { fs.appendFileSync(out, url + "\\n"); return next(url, context); }
`;
const RECORDER = `import { createRequire, register } from "node:module";
import fs from "node:fs";
const out = process.env.RECORD_MODULES_TO;
register("./hooks.mjs", import.meta.url, { data: { out } });
const require = createRequire(import.meta.url);
process.on("exit", () => fs.appendFileSync(out, Object.keys(require.cache).map((f) => "file://" + f + "\\n").join("")));
`;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-startup-"));
  fs.writeFileSync(path.join(tmp, "hooks.mjs"), HOOKS);
  fs.writeFileSync(path.join(tmp, "record.mjs"), RECORDER);
});

/** Runs `pipe ARGS` in `cwd`; returns its result and the URLs of the modules it loaded. */
async function recorded(cwd: string, ...args: string[]) {
  const out = path.join(tmp, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const r = await execa("node", ["--import", path.join(tmp, "record.mjs"), path.join(root, "bin", "pipe.js"), ...args], { cwd, reject: false, stripFinalNewline: false, env: { RECORD_MODULES_TO: out } });
  const modules = fs.readFileSync(out, "utf8").split("\n").filter(Boolean);
  return { code: r.exitCode, out: r.stdout, err: r.stderr, modules };
}

const HEAVY: Record<string, RegExp> = {
  zod: /\/node_modules\/zod\//,
  chevrotain: /\/node_modules\/chevrotain\//,
  "ts-morph": /\/node_modules\/(ts-morph|typescript)\//,
  "the parser": /\/dist\/syntax\//,
  // check/types.ts is the types' data and printing, which reading a stored value needs.
  "the checker": /\/dist\/check\/(?!types\.js$)/,
  "the compiler": /\/dist\/plan\/(index|expand|script)\.js$/,
  "the driver": /\/dist\/backends\/local\/(driver|launcher)\.js$/,
  "the Slurm backend": /\/dist\/backends\/slurm\//,
};
const loadedOf = (modules: readonly string[]) => Object.keys(HEAVY).filter((name) => modules.some((m) => HEAVY[name]!.test(m)));

/** A project of three tasks and a fan-in, its files older than the plan cache's racy window. */
function project(): string {
  const dir = fs.mkdtempSync(path.join(tmp, "project-"));
  fs.writeFileSync(
    path.join(dir, "main.pipe"),
    'action write(x: Int) -> (o: File) {\n  shell "echo ~{x} > ~{out.o}"\n}\n\naction count(fs: List[File]) -> (n: Int) {\n  shell "cat ~{fs} | wc -l > ~{out.n}"\n}\n\npipeline main(xs: List[Int] = [1, 2, 3]) -> (n: Int, ws: List[File]) {\n  let w = for x in xs { write(x = x) }\n  let c = count(fs = w.o)\n  return (n = c.n, ws = w.o)\n}\n',
  );
  fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus: 2 } }) + "\n");
  const then = new Date(Date.now() - 60_000);
  for (const f of fs.readdirSync(dir)) fs.utimesSync(path.join(dir, f), then, then);
  return dir;
}

describe("start-up", () => {
  it("pipe check loads the parser and the checker, and no schema, no TypeScript compiler, no backend", async () => {
    const dir = project();
    const r = await recorded(dir, "check", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("ok\n");
    expect(loadedOf(r.modules)).toEqual(["chevrotain", "the parser", "the checker"]);
  });

  it("a no-op pipe run of a kept plan loads no schema, parser, checker, compiler or driver, and still prints the outputs", async () => {
    const dir = project();
    // The first run compiles (and so loads all of it: the recording sees what it is meant to).
    const first = await recorded(dir, "run", "main.pipe");
    expect(first.code, first.err).toBe(0);
    expect(loadedOf(first.modules)).toEqual(expect.arrayContaining(["zod", "chevrotain", "the parser", "the checker", "the compiler", "the driver"]));
    const noop = await recorded(dir, "run", "main.pipe");
    expect(noop.code, noop.err).toBe(0);
    expect(loadedOf(noop.modules)).toEqual([]);
    expect(noop.out).toBe(first.out);
    expect(noop.out).toMatch(/^n = 3\nws = \[/);
    expect(noop.err).toMatch(/: ok \(4 cached\)\n$/);
    // Quiet: no progress, no summary; the same outputs.
    const quiet = await recorded(dir, "run", "main.pipe", "--quiet");
    expect([quiet.code, quiet.err, quiet.out]).toEqual([0, "", first.out]);
    expect(loadedOf(quiet.modules)).toEqual([]);
  });

  it("a no-op run still finds an entry deleted from the store, and runs it again", async () => {
    const dir = project();
    expect((await recorded(dir, "run", "main.pipe")).code).toBe(0);
    expect((await recorded(dir, "run", "main.pipe")).err).toMatch(/: ok \(4 cached\)\n$/);
    const store = path.join(dir, ".pipe", "store");
    const entry = fs.readdirSync(store).find((n) => !n.startsWith(".") && fs.readFileSync(path.join(store, n, "meta.json"), "utf8").includes('"task":"main/c"'))!;
    fs.rmSync(path.join(store, entry), { recursive: true });
    const again = await recorded(dir, "run", "main.pipe");
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/: ok \(3 cached, 1 done\)\n$/);
    expect(fs.existsSync(path.join(store, entry, "meta.json"))).toBe(true);
    // The plan was the kept one: nothing was compiled for it.
    expect(loadedOf(again.modules)).not.toContain("the parser");
  });

  it("a no-op pipe plan of a kept plan loads no schema, parser or checker", async () => {
    const dir = project();
    expect((await recorded(dir, "run", "main.pipe")).code).toBe(0);
    const r = await recorded(dir, "plan", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/0 to run, 4 cached\n$/);
    expect(loadedOf(r.modules)).toEqual([]);
  });

  it("pipe --help lists every command, the Slurm ones included; pipe status is found", async () => {
    const help = await recorded(tmp, "--help");
    expect(help.code).toBe(0);
    for (const command of ["check", "run", "emit", "submit", "status", "cancel", "diff", "init"]) expect(help.out).toMatch(new RegExp(`^  ${command} `, "m"));
    const typo = await recorded(tmp, "--no-color", "staus", "x");
    expect(typo.err).toMatch(/unknown command 'staus'\n\(Did you mean status\?\)/);
    const run = await recorded(tmp, "--color", "never", "run", "--help");
    expect(run.out).toMatch(/--quiet +no progress: print only the outputs/);
    expect(loadedOf(run.modules)).toEqual([]);
  });
});
