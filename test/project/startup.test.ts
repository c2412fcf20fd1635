// What each command loads: a command loads its own implementation only when it runs, so that
// `pipe check` never loads the schemas or the backends, and a no-op `pipe run` or `pipe plan`
// whose plan is kept never loads the parser, the checker, the schemas or the driver. Every
// module a real `pipe` process loads is recorded (ESM by a loader hook, CommonJS from the
// require cache) and the unwanted ones are named. Each holds for pipe as tsc compiles it
// (dist/) and as `npm run build` bundles it (dist/bundle/, bin/bundle-cli.mjs), where a
// file of the bundle loaded counts as every module it holds (dist/bundle/modules.json): each
// runs from a copy of this build, the bundled one bundled here.

import { execa } from "execa";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lateModules, modulesLaidOut } from "../../bin/bundle-layout.mjs";

const root = path.resolve(import.meta.dirname, "..", "..");
let tmp: string;
/** A copy of this build, bundled or not (no dist/bundle at all). */
const homes: Record<"compiled" | "bundled", string> = { compiled: "", bundled: "" };

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
process.on("exit", () => fs.appendFileSync(out, [...Object.keys(require.cache).map((f) => "file://" + f), ...process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => "builtin:" + m.slice(13))].map((f) => f + "\\n").join("")));
`;

/** A copy of this build's bin/ and dist/ (without its bundle), with the package's node_modules; bundled anew when `bundled`. */
async function makeHome(bundled: boolean): Promise<string> {
  const home = fs.mkdtempSync(path.join(tmp, bundled ? "bundled-" : "compiled-"));
  const bundleDir = path.join(root, "dist", "bundle");
  for (const sub of ["bin", "dist"]) fs.cpSync(path.join(root, sub), path.join(home, sub), { recursive: true, preserveTimestamps: true, filter: (f) => f !== bundleDir });
  fs.copyFileSync(path.join(root, "package.json"), path.join(home, "package.json"));
  fs.symlinkSync(path.join(root, "node_modules"), path.join(home, "node_modules"));
  if (bundled) await execa("node", [path.join(home, "bin", "bundle-cli.mjs")], { cwd: home });
  return home;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-startup-"));
  fs.writeFileSync(path.join(tmp, "hooks.mjs"), HOOKS);
  fs.writeFileSync(path.join(tmp, "record.mjs"), RECORDER);
  [homes.compiled, homes.bundled] = await Promise.all([makeHome(false), makeHome(true)]);
}, 60_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The modules each file of `home`'s bundle holds, as file URLs. */
function bundledModules(home: string): Map<string, string[]> {
  const file = path.join(home, "dist", "bundle", "modules.json");
  if (!fs.existsSync(file)) return new Map();
  const held = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string[]>;
  const url = (f: string) => pathToFileURL(path.join(home, f)).href;
  return new Map(Object.entries(held).map(([chunk, modules]) => [url(path.join("dist", "bundle", chunk)), modules.map(url)]));
}

/** Runs `HOME/bin/pipe ARGS` in `cwd`; returns its result, the URLs of the files it loaded and of the modules they hold. */
async function recorded(home: string, cwd: string, ...args: string[]) {
  const out = path.join(tmp, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const r = await execa("node", ["--import", path.join(tmp, "record.mjs"), path.join(home, "bin", "pipe.js"), ...args], { cwd, reject: false, stripFinalNewline: false, env: { RECORD_MODULES_TO: out } });
  const lines = fs.readFileSync(out, "utf8").split("\n").filter(Boolean);
  const files = lines.filter((f) => !f.startsWith("builtin:"));
  const held = bundledModules(home);
  const modules = files.flatMap((f) => held.get(f) ?? [f]);
  // node's own modules, by name, as process.moduleLoadList has them ("internal/..." among them).
  const builtins = lines.filter((f) => f.startsWith("builtin:")).map((f) => f.slice("builtin:".length));
  return { code: r.exitCode, out: r.stdout, err: r.stderr, files, modules, builtins };
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

describe.each(["compiled", "bundled"] as const)("start-up, %s", (kind) => {
  const home = () => homes[kind];

  it("pipe check loads the parser and the checker, and no schema, no TypeScript compiler, no backend", async () => {
    const dir = project();
    const r = await recorded(home(), dir, "check", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("ok\n");
    expect(loadedOf(r.modules)).toEqual(["chevrotain", "the parser", "the checker"]);
  });

  it("a no-op pipe run of a kept plan loads no schema, parser, checker, compiler or driver, and still prints the outputs", async () => {
    const dir = project();
    // The first run compiles (and so loads all of it: the recording sees what it is meant to).
    const first = await recorded(home(), dir, "run", "main.pipe");
    expect(first.code, first.err).toBe(0);
    expect(loadedOf(first.modules)).toEqual(expect.arrayContaining(["zod", "chevrotain", "the parser", "the checker", "the compiler", "the driver"]));
    const noop = await recorded(home(), dir, "run", "main.pipe");
    expect(noop.code, noop.err).toBe(0);
    expect(loadedOf(noop.modules)).toEqual([]);
    // Bundled, node's crypto is loaded when something is hashed (bin/bundle-cli.mjs): nothing is, here.
    expect(first.builtins).toContain("crypto");
    if (kind === "bundled") expect(noop.builtins).not.toContain("crypto");
    expect(noop.out).toBe(first.out);
    expect(noop.out).toMatch(/^n = 3\nws = \[/);
    expect(noop.err).toMatch(/: ok \(4 cached\)\n$/);
    // Quiet: no progress, no summary; the same outputs.
    const quiet = await recorded(home(), dir, "run", "main.pipe", "--quiet");
    expect([quiet.code, quiet.err, quiet.out]).toEqual([0, "", first.out]);
    expect(loadedOf(quiet.modules)).toEqual([]);
  });

  it("a no-op run still finds an entry deleted from the store, and runs it again", async () => {
    const dir = project();
    expect((await recorded(home(), dir, "run", "main.pipe")).code).toBe(0);
    expect((await recorded(home(), dir, "run", "main.pipe")).err).toMatch(/: ok \(4 cached\)\n$/);
    const store = path.join(dir, ".pipe", "store");
    const entry = fs.readdirSync(store).find((n) => !n.startsWith(".") && fs.readFileSync(path.join(store, n, "meta.json"), "utf8").includes('"task":"main/c"'))!;
    fs.rmSync(path.join(store, entry), { recursive: true });
    const again = await recorded(home(), dir, "run", "main.pipe");
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/: ok \(3 cached, 1 done\)\n$/);
    expect(fs.existsSync(path.join(store, entry, "meta.json"))).toBe(true);
    // The plan was the kept one: nothing was compiled for it.
    expect(loadedOf(again.modules)).not.toContain("the parser");
  });

  it("a no-op run of a kept plan whose outputs are paths reads the cache file's head only, not the plan", async () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "main.pipe"), 'action write(x: Int) -> (o: File) {\n  shell "echo ~{x} > ~{out.o}"\n}\n\npipeline main(xs: List[Int] = [1, 2, 3]) -> (ws: List[File]) {\n  let w = for x in xs { write(x = x) }\n  return (ws = w.o)\n}\n');
    const then = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, "main.pipe"), then, then);
    const first = await recorded(home(), dir, "run", "main.pipe");
    expect(first.code, first.err).toBe(0);
    // The plan's line, blanked to as many bytes: parsing it would fail.
    const cacheDir = path.join(dir, ".pipe", "plan-cache");
    const [name] = fs.readdirSync(cacheDir).filter((f) => f.endsWith(".json"));
    const text = fs.readFileSync(path.join(cacheDir, name!), "utf8");
    const head = text.slice(0, text.indexOf("\n") + 1);
    fs.writeFileSync(path.join(cacheDir, name!), head + " ".repeat(Buffer.byteLength(text) - Buffer.byteLength(head)));
    const noop = await recorded(home(), dir, "run", "main.pipe");
    expect([noop.code, noop.out], noop.err).toEqual([0, first.out]);
    expect(noop.out).toMatch(/^ws = \[\/.*\/o, \/.*\/o, \/.*\/o\]\n$/);
    expect(noop.err).toMatch(/: ok \(3 cached\)\n$/);
    const json = await recorded(home(), dir, "run", "main.pipe", "--json");
    const events = json.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === "cached").map((e) => e.task)).toEqual(["main/w[x=1]", "main/w[x=2]", "main/w[x=3]"]);
    expect(events.at(-1)).toMatchObject({ type: "result", status: "ok", failed: [] });
    expect(events.at(-1).outputs.ws).toBe(first.out.slice("ws = ".length, -1));
    // Its record is a run's that ran nothing, its plan linked from .pipe/plans.
    const runs = fs.readdirSync(path.join(dir, ".pipe", "runs")).sort();
    const record = JSON.parse(fs.readFileSync(path.join(dir, ".pipe", "runs", runs.at(-1)!, "run.json"), "utf8"));
    expect(record).toMatchObject({ status: "ok", tasks: [], cachedOnly: 3, file: "main.pipe", entry: "main" });
    expect(fs.statSync(path.join(dir, ".pipe", "runs", runs.at(-1)!, "plan.json")).nlink).toBeGreaterThan(1);
    // An entry deleted from the store is found and made again, from the plan, which is read now (and is blank): compiled again.
    const store = path.join(dir, ".pipe", "store");
    const entry = fs.readdirSync(store).find((n) => !n.startsWith("."))!;
    fs.rmSync(path.join(store, entry, "meta.json"));
    const again = await recorded(home(), dir, "run", "main.pipe");
    expect([again.code, again.out], again.err).toEqual([0, first.out]);
    expect(again.err).toMatch(/: ok \(2 cached, 1 done\)\n$/);
    expect(loadedOf(again.modules)).toContain("the parser");
    expect(fs.existsSync(path.join(store, entry, "meta.json"))).toBe(true);
    // Kept anew by that compilation: the next run reads the head alone again.
    const after = await recorded(home(), dir, "run", "main.pipe");
    expect([after.code, after.out, loadedOf(after.modules)], after.err).toEqual([0, first.out, []]);
  });

  it("a pipe whose compiled modules changed compiles again rather than reuse a plan kept by the old one", async () => {
    // A copy of this build, one of whose modules is then rewritten as a rebuild would.
    const copy = await makeHome(kind === "bundled");
    const dir = project();
    const run = () => execa("node", [path.join(copy, "bin", "pipe.js"), "run", "main.pipe", "--quiet"], { cwd: dir, reject: false });
    const cacheDir = path.join(dir, ".pipe", "plan-cache");
    const kept = () => fs.readdirSync(cacheDir).filter((f) => f.endsWith(".json")).sort();
    const build = () => kept().map((f) => (JSON.parse(fs.readFileSync(path.join(cacheDir, f), "utf8").split("\n")[0]!) as { build: string }).build);
    expect((await run()).exitCode).toBe(0);
    const before = kept();
    const builtBy = build();
    expect(before).toHaveLength(1);
    expect((await run()).exitCode).toBe(0);
    expect([kept(), build()]).toEqual([before, builtBy]);
    // The same size, the same text but one byte, in a module a no-op run never loads: the lexer, or the file of the bundle that holds it.
    const lexer = pathToFileURL(path.join(copy, "dist", "syntax", "lex.js")).href;
    const holder = [...bundledModules(copy)].find(([, modules]) => modules.includes(lexer))?.[0];
    expect(Boolean(holder)).toBe(kind === "bundled");
    const module = fileURLToPath(holder ?? lexer);
    const text = fs.readFileSync(module, "utf8");
    fs.writeFileSync(module, text.replace(/\n$/, " "));
    expect((await run()).exitCode).toBe(0);
    // Compiled again, and kept in the old one's place: a new build leaves no cache file behind.
    expect(kept()).toEqual(before);
    expect(build()).not.toEqual(builtBy);
  });

  it("a no-op pipe plan of a kept plan loads no schema, parser or checker", async () => {
    const dir = project();
    expect((await recorded(home(), dir, "run", "main.pipe")).code).toBe(0);
    const r = await recorded(home(), dir, "plan", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/0 to run, 4 cached\n$/);
    expect(loadedOf(r.modules)).toEqual([]);
  });

  it("pipe diff of two plan files loads no schema, parser, checker or compiler", async () => {
    const dir = project();
    const plan = await recorded(home(), dir, "plan", "main.pipe", "--plan-only");
    fs.writeFileSync(path.join(dir, "a.json"), plan.out);
    fs.writeFileSync(path.join(dir, "b.json"), plan.out.replace('"x": 3', '"x": 4').replace("echo 3 >", "echo 4 >").replace(/("id": "main\/w\[x=3\]",\s*"key": ")\w+/, "$1" + "0".repeat(32)));
    const r = await recorded(home(), dir, "diff", "a.json", "b.json");
    expect(r.code, r.err).toBe(3);
    expect(loadedOf(r.modules)).toEqual([]);
  });

  it("pipe --help lists every command, the Slurm ones included; pipe status is found", async () => {
    const help = await recorded(home(), tmp, "--help");
    expect(help.code).toBe(0);
    for (const command of ["check", "run", "emit", "submit", "status", "cancel", "diff", "init"]) expect(help.out).toMatch(new RegExp(`^  ${command} `, "m"));
    const typo = await recorded(home(), tmp, "--no-color", "staus", "x");
    expect(typo.err).toMatch(/unknown command 'staus'\n\(Did you mean status\?\)/);
    const run = await recorded(home(), tmp, "--color", "never", "run", "--help");
    expect(run.out).toMatch(/--quiet +no progress: print only the outputs/);
    expect(loadedOf(run.modules)).toEqual([]);
  });

  it("pipe --version prints the package's version and loads no command", async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
    for (const flag of ["--version", "-V"]) {
      const r = await recorded(home(), tmp, "--no-color", flag);
      expect([r.code, r.out, r.err]).toEqual([0, `${version}\n`, ""]);
      expect(loadedOf(r.modules)).toEqual([]);
      expect(r.modules.filter((m) => m.endsWith("/dist/cli/slurm-commands.js"))).toEqual([]);
    }
  });

  it(kind === "bundled" ? "runs the bundle, a few files of it, and dist/ instead once a tsc leaves it stale" : "runs dist/ when there is no bundle", async () => {
    const dir = project();
    const bundleFiles = (files: readonly string[]) => files.filter((f) => f.includes("/dist/bundle/"));
    const compiledEntry = pathToFileURL(path.join(home(), "dist", "cli", "index.js")).href;
    expect((await recorded(home(), dir, "run", "main.pipe")).code).toBe(0);
    const noop = await recorded(home(), dir, "run", "main.pipe", "--quiet");
    expect(noop.code, noop.err).toBe(0);
    if (kind === "compiled") {
      expect(noop.files).toContain(compiledEntry);
      expect(bundleFiles(noop.files)).toEqual([]);
      return;
    }
    expect(noop.files).not.toContain(compiledEntry);
    // The command line and the kept plan's run: one file of the bundle for each, and the shim's entry.
    expect(bundleFiles(noop.files).length).toBeLessThanOrEqual(3);
    const check = await recorded(home(), dir, "check", "main.pipe");
    expect(check.err).toBe("ok\n");
    expect(bundleFiles(check.files).length).toBeLessThanOrEqual(5);
    // tsc compiled dist/ again after the bundle was made: the bundle is not what runs.
    const copy = await makeHome(true);
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(copy, "dist", "cli", "index.js"), later, later);
    const stale = await recorded(copy, dir, "check", "main.pipe");
    expect([stale.code, stale.err]).toEqual([0, "ok\n"]);
    expect(stale.files).toContain(pathToFileURL(path.join(copy, "dist", "cli", "index.js")).href);
    expect(bundleFiles(stale.files)).toEqual([]);
  });
});

describe("the bundle", () => {
  it("compiles its files from V8's code cache, never from one made for another text of a file, and replaces one V8 rejects", async () => {
    const copy = await makeHome(true);
    const bundle = path.join(copy, "dist", "bundle");
    const caches = () => fs.readdirSync(bundle).filter((f) => f.endsWith(".v8")).sort();
    expect(caches()).toEqual([]);
    const dir = project();
    const first = await recorded(copy, dir, "rn");
    expect(first.err).toContain("(Did you mean run?)");
    // A cache of each file the command loaded, headed by the file's inode, size, mtime and ctime.
    const loaded = first.files.filter((f) => f.includes("/dist/bundle/")).map((f) => path.basename(fileURLToPath(f)));
    expect(loaded.length).toBeGreaterThan(0);
    expect(caches()).toEqual(loaded.map((f) => `${f}.v8`).sort());
    for (const f of loaded) {
      const s = fs.statSync(path.join(bundle, f));
      const stamp = `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}\n`;
      expect(fs.readFileSync(path.join(bundle, `${f}.v8`)).subarray(0, stamp.length).toString("latin1")).toBe(stamp);
    }
    // The file edited, its length the same (all V8 checks of the text): the cache made before is not used.
    const holder = loaded.find((f) => fs.readFileSync(path.join(bundle, f), "utf8").includes("Did you mean"))!;
    const cache = fs.readFileSync(path.join(bundle, `${holder}.v8`));
    fs.writeFileSync(path.join(bundle, holder), fs.readFileSync(path.join(bundle, holder), "utf8").replaceAll("Did you mean", "Did yoU mean"));
    const edited = await recorded(copy, dir, "rn");
    expect(edited.err).toContain("(Did yoU mean run?)");
    expect(fs.readFileSync(path.join(bundle, `${holder}.v8`)).equals(cache)).toBe(false);
    // A cache for the file as it is, but not V8's: the file compiles from its text, and the cache is made again.
    const s = fs.statSync(path.join(bundle, holder));
    fs.writeFileSync(path.join(bundle, `${holder}.v8`), `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}\n${"x".repeat(1000)}`);
    const rejected = await recorded(copy, dir, "rn");
    expect(rejected.err).toContain("(Did yoU mean run?)");
    expect(fs.statSync(path.join(bundle, `${holder}.v8`)).size).toBeGreaterThan(1100);
    // A FIFO where the cache would be is not read (that would hang), and a cache takes its place.
    fs.rmSync(path.join(bundle, `${holder}.v8`));
    await execa("mkfifo", [path.join(bundle, `${holder}.v8`)]);
    const fifo = await recorded(copy, dir, "rn");
    expect(fifo.err).toContain("(Did yoU mean run?)");
    expect(fs.statSync(path.join(bundle, `${holder}.v8`)).isFile()).toBe(true);
    expect(fs.readdirSync(bundle).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("lays each of pipe's modules out after the ones it imports in the same file, as node evaluates them", () => {
    const bundle = path.join(homes.bundled, "dist", "bundle");
    const files = fs.readdirSync(bundle).filter((f) => f.endsWith(".js")).map((name) => ({ name, text: fs.readFileSync(path.join(bundle, name), "utf8") }));
    expect(files.reduce((n, f) => n + modulesLaidOut(f.text), 0)).toBeGreaterThan(100);
    expect(lateModules(homes.bundled, files)).toEqual([]);
  });

  it("would name a module laid out before one it imports, as the build does to refuse such a bundle", () => {
    // store/meta.js builds its schema of plan/plan.js's, at its top level.
    const [meta, plan, layout] = ["dist/store/meta.js", "dist/plan/plan.js", "dist/store/layout.js"];
    const text = (...names: string[]) => names.map((m) => `//! ${m}\nvar x = 1;\n`).join("");
    expect(lateModules(homes.bundled, [{ name: "late.js", text: text(meta, layout, plan) }])).toEqual([`late.js: ${meta} comes before ${plan}, which it imports`]);
    expect(lateModules(homes.bundled, [{ name: "ordered.js", text: text(plan, meta) }])).toEqual([]);
    // A module's earlier parts do not count: where its top level runs is its last.
    expect(lateModules(homes.bundled, [{ name: "parts.js", text: text(meta, plan, meta) }])).toEqual([]);
    // In different files, the files' links order them.
    expect(lateModules(homes.bundled, [{ name: "a.js", text: text(meta) }, { name: "b.js", text: text(plan) }])).toEqual([]);
  });
});
