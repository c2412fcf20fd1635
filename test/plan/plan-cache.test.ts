// The plan cache is never stale: after an edit to anything compilation reads (a source, an
// import, a `uses` file, a TypeScript module or its helper, an input file or a file inside
// an input directory, a file a glob matches, a parameter or parameter file, the config or a
// config overlay) the
// plan is compiled again and equals a compilation without the cache; with nothing changed
// it is reused. Files are aged first: a file written within the last two seconds never lets
// its compilation be kept (see ReadLog.racy), and that rule is tested too.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan, type PlanFlags } from "../../src/cli/build-plan.js";
import { planCacheDir } from "../../src/plan/plan-cache.js";
import { recordingIo } from "../helpers.js";
import { root } from "../local-harness.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** Sets every file's mtime ten seconds back, as if written long before this plan. */
function age(dir: string): void {
  const then = new Date(Date.now() - 10_000);
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) fs.utimesSync(path.join(dir, f), then, then);
}

/** A copy of the ml-sweep example with an input directory, a TypeScript helper module, a parameter file and a config overlay. */
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-plan-cache-"));
  made.push(dir);
  fs.cpSync(path.join(root, "examples", "ml-sweep"), dir, { recursive: true, filter: (src) => path.basename(src) !== ".pipe" });
  const main = path.join(dir, "main.pipe");
  fs.writeFileSync(
    main,
    fs
      .readFileSync(main, "utf8")
      .replace("pipeline main(", 'action census(d: Dir) -> (n: Int) {\n  shell "ls -R ~{d} | wc -l > ~{out.n}"\n}\n\npipeline main(\n  extra: Dir = "data/extra",')
      .replace("  return (", "  let c = census(d = extra)\n  return ("),
  );
  fs.mkdirSync(path.join(dir, "data", "extra", "deep"), { recursive: true });
  fs.writeFileSync(path.join(dir, "data", "extra", "deep", "a.txt"), "a\n");
  const select = path.join(dir, "actions", "select.ts");
  fs.writeFileSync(path.join(dir, "actions", "better.ts"), "export const better = (a: number, b: number): boolean => a < b;\n");
  fs.writeFileSync(select, 'import { better } from "./better.js";\n' + fs.readFileSync(select, "utf8").replace("s < scores[best]!", "better(s, scores[best]!)"));
  fs.writeFileSync(path.join(dir, "params.json"), JSON.stringify({ epochs: [5] }));
  fs.writeFileSync(path.join(dir, "overlay.json"), JSON.stringify({ local: { cpus: 1 } }));
  age(dir);
  return dir;
}

async function plan(dir: string, flags: PlanFlags = {}, env: Record<string, string> = {}) {
  const io = recordingIo(dir, env);
  const built = await buildPlan("main.pipe", flags, io);
  expect(built, io.stderr()).toBeDefined();
  return { ...built!, stderr: io.stderr() };
}

/** The plan and config a compilation without the cache makes. */
async function fresh(dir: string, flags: PlanFlags = {}) {
  const built = await plan(dir, flags, { PIPE_NO_PLAN_CACHE: "1" });
  expect(built.reused).toBe(false);
  return { plan: built.plan, config: built.config };
}

/** Plans twice after an edit: the first compiles and equals a compilation without the cache, the second reuses it. */
async function expectRecompiled(dir: string, flags: PlanFlags = {}) {
  const first = await plan(dir, flags);
  expect(first.reused).toBe(false);
  expect({ plan: first.plan, config: first.config }).toEqual(await fresh(dir, flags));
  const second = await plan(dir, flags);
  expect(second.reused).toBe(true);
  expect(second.plan).toEqual(first.plan);
  return first;
}

/** Rewrites a file and ages the project, so that only the content (and the ctime) tells the edit. */
function edit(dir: string, file: string, change: (text: string) => string): void {
  const full = path.join(dir, file);
  const before = fs.readFileSync(full, "utf8");
  const after = change(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(full, after);
  age(dir);
}

describe("the plan cache", () => {
  it("reuses the plan when nothing changed, keys and inputs' stats included", async () => {
    const dir = project();
    const first = await plan(dir);
    expect(first.reused).toBe(false);
    const again = await plan(dir);
    expect(again.reused).toBe(true);
    expect(again.plan).toEqual(first.plan);
    expect(again.config).toEqual(first.config);
    // A run checks each input before its task against what planning saw of it.
    expect([...again.hasher.seen.keys()].sort()).toEqual([...first.hasher.seen.keys()].sort());
  });

  const edits: [string, string, (t: string) => string][] = [
    ["the entry source", "main.pipe", (t) => t.replace("[0.1, 0.03, 0.01]", "[0.1, 0.03]")],
    ["a comment in the entry source", "main.pipe", (t) => t + "# a note\n"],
    ["an imported module", "lib/steps.pipe", (t) => t.replace("uses", "# x\n  uses")],
    ["a uses file, same size", "scripts/train.py", (t) => t.replace(/.$/s, t.endsWith("\n") ? "\t" : "\n")],
    ["an input file, same size", "data/raw.csv", (t) => (t[0] === "x" ? "y" : "x") + t.slice(1)],
    ["a file deep in an input directory", "data/extra/deep/a.txt", () => "b\n"],
    ["a TypeScript action", "actions/select.ts", (t) => t.replace("let best = 0;", "let best = 0; // first")],
    ["a TypeScript module the action imports", "actions/better.ts", (t) => t.replace("a < b", "a <= b")],
    ["the config", "pipe.config.json", (t) => t.replace('"cpus": 2', '"cpus": 1')],
  ];
  for (const [what, file, change] of edits) {
    it(`compiles again after an edit to ${what}`, async () => {
      const dir = project();
      await plan(dir);
      expect((await plan(dir)).reused).toBe(true);
      edit(dir, file, change);
      await expectRecompiled(dir);
    });
  }

  it("compiles again when a file appears in an input directory", async () => {
    const dir = project();
    const extra = (p: Awaited<ReturnType<typeof plan>>) => p.plan.tasks.find((t) => t.id === "main/c")!.key;
    const before = extra(await plan(dir));
    fs.writeFileSync(path.join(dir, "data", "extra", "deep", "b.txt"), "b\n");
    age(dir);
    expect(extra(await expectRecompiled(dir))).not.toBe(before);
  });

  it("compiles again when a file appears that a glob matches", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-plan-cache-glob-"));
    made.push(dir);
    fs.mkdirSync(path.join(dir, "data"));
    fs.writeFileSync(path.join(dir, "data", "a.csv"), "1\n");
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      'action n(f: File) -> (n: Int) {\n  shell "wc -l < ~{f} > ~{out.n}"\n}\npipeline main() -> (ns: List[Int]) {\n  let c = for f in glob("data/*.csv") { n(f = f) }\n  return (ns = c.n)\n}\n',
    );
    age(dir);
    expect((await plan(dir)).plan.tasks).toHaveLength(1);
    expect((await plan(dir)).reused).toBe(true);
    fs.writeFileSync(path.join(dir, "data", "b.csv"), "2\n");
    age(dir);
    expect((await expectRecompiled(dir)).plan.tasks).toHaveLength(2);
  });

  it("keeps one plan per invocation: parameters, parameter files and config overlays", async () => {
    const dir = project();
    const a = await expectRecompiled(dir, { param: ["lrs=[0.5]"] });
    const b = await expectRecompiled(dir, { param: ["lrs=[0.7]"] });
    expect(a.plan.tasks.length).toBe(b.plan.tasks.length);
    expect(a.plan.params).not.toEqual(b.plan.params);
    expect((await plan(dir, { param: ["lrs=[0.5]"] })).reused).toBe(true);

    const withFile = { params: "params.json" };
    await expectRecompiled(dir, withFile);
    edit(dir, "params.json", () => JSON.stringify({ epochs: [6] }));
    const six = await expectRecompiled(dir, withFile);
    expect(six.plan.params["epochs"]).toEqual([6]);

    const overlay = { config: "overlay.json" };
    await expectRecompiled(dir, overlay);
    edit(dir, "overlay.json", () => JSON.stringify({ local: { cpus: 2 } }));
    expect((await expectRecompiled(dir, overlay)).config.local.cpus).toBe(2);
  });

  it("never reuses a plan kept for another invocation, even under its name", async () => {
    const dir = project();
    const half = await expectRecompiled(dir, { param: ["lrs=[0.5]"] });
    const [halfFile] = fs.readdirSync(planCacheDir(dir)).filter((f) => f.endsWith(".json"));
    const other = await expectRecompiled(dir, { param: ["lrs=[0.7]"] });
    const otherFile = fs.readdirSync(planCacheDir(dir)).find((f) => f.endsWith(".json") && f !== halfFile)!;
    // The names are a hash of the invocation: the other's file given the first's name, as a collision would.
    fs.copyFileSync(path.join(planCacheDir(dir), otherFile), path.join(planCacheDir(dir), halfFile!));
    const again = await expectRecompiled(dir, { param: ["lrs=[0.5]"] });
    expect(again.plan.params).toEqual(half.plan.params);
    expect(again.plan.params).not.toEqual(other.plan.params);
    expect((await plan(dir, { param: ["lrs=[0.5]"] })).reused).toBe(true);
  });

  it("does not keep a compilation that read a file written moments ago", async () => {
    const dir = project();
    fs.appendFileSync(path.join(dir, "main.pipe"), "\n");
    expect((await plan(dir)).reused).toBe(false);
    expect((await plan(dir)).reused).toBe(false);
    age(dir);
    expect((await plan(dir)).reused).toBe(false);
    expect((await plan(dir)).reused).toBe(true);
  });

  it("reports an error after a deleted import, and a broken cache file is only not reused", async () => {
    const dir = project();
    await plan(dir);
    for (const f of fs.readdirSync(planCacheDir(dir))) fs.writeFileSync(path.join(planCacheDir(dir), f), "{ not json");
    await expectRecompiled(dir);
    fs.rmSync(path.join(dir, "lib", "steps.pipe"));
    const io = recordingIo(dir);
    expect(await buildPlan("main.pipe", {}, io)).toBeUndefined();
    expect(io.stderr()).toContain("steps.pipe");
  });

  it("prints the front end's warnings again when it reuses a plan", async () => {
    const dir = project();
    edit(dir, "main.pipe", (t) => t.replace("  return (", "  let unused = count_lines(file = raw)\n  return ("));
    const first = await plan(dir);
    expect(first.stderr).toMatch(/warning/);
    const again = await plan(dir);
    expect(again.reused).toBe(true);
    expect(again.stderr).toBe(first.stderr);
  });
});
