// Randomized incremental builds: a generated project (incremental-project.ts) is run, edited
// step by step and run again after each edit. Every incremental run is compared with a clean
// build of the same program in a fresh store: (a) every task's outputs (scalar values, file
// and directory contents in the store) must be equal, so a missed rerun shows as a mismatch;
// (b) the tasks that ran must be exactly those the model says a change reaches, so neither an
// unneeded nor a missed rerun passes. The seeds are fixed; a failure prints the seed, the
// project and the edit sequence. Most runs are in-process; the first run of each sequence and
// the run after `pipe fmt --write` (itself the real CLI) go through the real CLI.
// PIPE_INCR_SEEDS=1,2 picks other seeds; PIPE_INCR_TRACE=1 prints each run and its time.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { run } from "../../src/cli/index.js";
import type { Plan } from "../../src/plan/plan.js";
import { recordingIo } from "../helpers.js";
import { applyEdit, describeModel, editsArb, expectedTasks, modelArb, paramArgs, render, type Edit, type Model } from "./incremental-project.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(root, "bin", "pipe.js");
const SEEDS = (process.env["PIPE_INCR_SEEDS"] ?? "101,202,303").split(",").map(Number);
const made: string[] = [];
let xdgCache: string;
const xdgBefore = process.env["XDG_CACHE_HOME"];

beforeAll(() => {
  // The TypeScript runner caches transpiled modules per user; keep this test's to itself.
  xdgCache = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-incr-cache-"));
  made.push(xdgCache);
  process.env["XDG_CACHE_HOME"] = xdgCache;
});
afterAll(() => {
  if (xdgBefore === undefined) delete process.env["XDG_CACHE_HOME"];
  else process.env["XDG_CACHE_HOME"] = xdgBefore;
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pipe-incr-${name}-`));
  made.push(dir);
  return dir;
}

interface RunResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function pipe(dir: string, cli: boolean, args: string[]): Promise<RunResult> {
  if (cli) {
    const r = await execa("node", [bin, ...args], { cwd: dir, reject: false, env: { XDG_CACHE_HOME: xdgCache } });
    return { code: r.exitCode ?? -1, out: r.stdout, err: r.stderr };
  }
  const io = recordingIo(dir, process.env);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Writes the files that differ from `before` (all of them when `before` is null) and removes those gone. */
function writeProject(dir: string, files: Record<string, string>, before: Record<string, string> | null, keepMtime: readonly string[] = []): void {
  for (const name of Object.keys(before ?? {})) {
    if (name in files) continue;
    fs.rmSync(path.join(dir, name));
    for (let d = path.dirname(name); d !== "." && fs.readdirSync(path.join(dir, d)).length === 0; d = path.dirname(d)) fs.rmdirSync(path.join(dir, d));
  }
  for (const [name, text] of Object.entries(files)) {
    if (before && before[name] === text) continue;
    const file = path.join(dir, name);
    const old = keepMtime.includes(name) ? fs.statSync(file) : undefined;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    if (old) fs.utimesSync(file, old.atime, old.mtime); // `touch -r` with the file's own old times
    // A project as checked out long ago: its files' mtimes are older than any stat cache
    // entry, which the stat cache trusts (it rereads only files modified around its last read).
    else if (!before) fs.utimesSync(file, LONG_AGO, LONG_AGO);
  }
}

const LONG_AGO = new Date(Date.now() - 3600_000);

/** A store entry's output as text: a file's content, a directory's entries and contents. */
function readOutput(p: string): string {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return "(missing)";
  if (stat.isFile()) return fs.readFileSync(p, "utf8");
  return fs
    .readdirSync(p, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(p, path.join(e.parentPath, e.name)))
    .sort()
    .map((f) => `${f}: ${fs.readFileSync(path.join(p, f), "utf8")}`)
    .join("");
}

interface Observed {
  /** Task id to its outputs, `name=text` lines. */
  readonly outputs: Map<string, string>;
  readonly ran: string[];
}

const trace = process.env["PIPE_INCR_TRACE"] ? (text: string) => process.stderr.write(`${text}\n`) : () => {};

async function runAndRead(dir: string, cli: boolean, model: Model): Promise<Observed> {
  const t0 = Date.now();
  const r = await pipe(dir, cli, ["run", "main.pipe", "--json", "-j", "2", ...paramArgs(model)]);
  const events = r.out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const result = events.find((e) => e["type"] === "result");
  if (r.code !== 0 || !result) throw new Error(`pipe run failed (exit ${r.code}) in ${dir}:\n${r.err}\n${r.out}`);
  const plan = JSON.parse(fs.readFileSync(path.join(dir, ".pipe", "runs", String(result["run"]), "plan.json"), "utf8")) as Plan;
  const store = path.join(dir, ".pipe", "store");
  const outputs = new Map(plan.tasks.map((t) => [t.id, plan.actions[t.action]!.outputs.map((o) => `${o.name}=${readOutput(path.join(store, t.key, o.name))}`).join("\n")]));
  // The entry pipeline's outputs as `pipe run --json` prints them (a file by its content).
  const printed = Object.entries(result["outputs"] as Record<string, string>).map(([name, v]) => `${name}=${v.startsWith(store) ? readOutput(v) : v}`);
  outputs.set("(pipe run --json outputs)", printed.join("\n"));
  const ran = events.filter((e) => e["type"] === "start").map((e) => String(e["task"])).sort();
  trace(`${cli ? "cli" : "lib"} run in ${path.basename(dir)}: ${ran.length}/${plan.tasks.length} ran, ${Date.now() - t0} ms`);
  return { outputs, ran };
}

/** Clean builds, by what the program means (the same model laid out differently is one build). */
const cleanBuilds = new Map<string, Map<string, string>>();
const meaning = (model: Model) => JSON.stringify({ ...model, layout: 0 });

async function cleanBuild(model: Model): Promise<Map<string, string>> {
  let outputs = cleanBuilds.get(meaning(model));
  if (!outputs) {
    const dir = tempDir("clean");
    writeProject(dir, render(model), null);
    outputs = (await runAndRead(dir, false, model)).outputs;
    cleanBuilds.set(meaning(model), outputs);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return outputs;
}

interface Problem {
  readonly step: number;
  readonly edit: string;
  readonly missed: string[];
  readonly unneeded: string[];
  readonly mismatched: string[];
  readonly ids?: string;
}

function sorted(xs: Iterable<string>): string[] {
  return [...xs].sort();
}

/** Runs one sequence; returns the problems found (after each, the project is rebuilt from scratch to go on). */
async function checkSequence(start: Model, edits: readonly Edit[]): Promise<Problem[]> {
  const dir = tempDir("project");
  let model = start;
  let files = render(model);
  writeProject(dir, files, null);
  /** The signatures of every task this project's store has built. */
  let built = new Set<string>();
  const problems: Problem[] = [];
  const steps: { edit: Edit | null; description: string }[] = [{ edit: null, description: "first run" }, ...edits.map((edit) => ({ edit, description: "" }))];
  for (let step = 0; step < steps.length; step++) {
    const edit = steps[step]!.edit;
    let fmt = false;
    let description = "first run";
    if (edit) {
      const applied = applyEdit(model, edit);
      const next = render(applied.model);
      if (applied.keepMtime.length) {
        // The edit must come after the stat cache trusts the file (its mtime older than the
        // cache's last read): age the file and let a plan read it, as days of work would.
        for (const name of applied.keepMtime) fs.utimesSync(path.join(dir, name), LONG_AGO, LONG_AGO);
        const plan = await pipe(dir, false, ["plan", "main.pipe", ...paramArgs(model)]);
        if (plan.code !== 0) throw new Error(`pipe plan failed (exit ${plan.code}): ${plan.err}`);
      }
      writeProject(dir, next, files, applied.keepMtime);
      model = applied.model;
      if (edit.kind === "layout") fs.writeFileSync(path.join(dir, "main.pipe"), next["main.pipe"]!);
      files = next;
      fmt = applied.fmt;
      description = applied.description;
    }
    const cli = step === 0 || fmt;
    if (fmt) {
      const r = await pipe(dir, true, ["fmt", "--write", "main.pipe"]);
      if (r.code !== 0) throw new Error(`pipe fmt --write failed (exit ${r.code}): ${r.err}`);
      files = { ...files, "main.pipe": fs.readFileSync(path.join(dir, "main.pipe"), "utf8") };
    }
    const expected = expectedTasks(model);
    const observed = await runAndRead(dir, cli, model);
    // The first run is itself a clean build in a fresh store.
    if (step === 0) cleanBuilds.set(meaning(model), observed.outputs);
    const clean = await cleanBuild(model);
    const shouldRun = new Set(expected.filter((t) => !built.has(t.signature)).map((t) => t.id));
    const ran = new Set(observed.ran);
    const planIds = sorted([...observed.outputs.keys()].filter((id) => !id.startsWith("(")));
    const ids = JSON.stringify(planIds) === JSON.stringify(sorted(expected.map((t) => t.id))) ? undefined : `plan ids ${JSON.stringify(planIds)}, model ids ${JSON.stringify(sorted(expected.map((t) => t.id)))}`;
    const problem: Problem = {
      step,
      edit: `${description}${cli ? " (CLI)" : ""}`,
      missed: sorted([...shouldRun].filter((id) => !ran.has(id))),
      unneeded: sorted([...ran].filter((id) => !shouldRun.has(id))),
      mismatched: sorted([...clean.keys()].filter((id) => observed.outputs.get(id) !== clean.get(id))),
      ...(ids ? { ids } : {}),
    };
    for (const t of expected) built.add(t.signature);
    if (problem.missed.length || problem.unneeded.length || problem.mismatched.length || problem.ids) {
      problems.push(problem);
      // Start again from a clean store so that the rest of the sequence is still checked.
      fs.rmSync(path.join(dir, ".pipe"), { recursive: true, force: true });
      cleanBuilds.set(meaning(model), (await runAndRead(dir, false, model)).outputs);
      built = new Set(expected.map((t) => t.signature));
    }
  }
  return problems;
}

function report(seed: number, model: Model, edits: readonly Edit[], problems: readonly Problem[]): string {
  const lines = [`seed ${seed}: ${describeModel(model)}`, `edits: ${edits.map((e) => `${e.kind}#${e.pick}`).join(", ")}`];
  for (const p of problems) {
    lines.push(`  step ${p.step} (${p.edit}):`);
    if (p.missed.length) lines.push(`    missed reruns: ${p.missed.join(" ")}`);
    if (p.unneeded.length) lines.push(`    unneeded reruns: ${p.unneeded.join(" ")}`);
    if (p.mismatched.length) lines.push(`    outputs differ from a clean build: ${p.mismatched.join(" ")}`);
    if (p.ids) lines.push(`    ${p.ids}`);
  }
  return lines.join("\n");
}

describe("incremental builds agree with clean builds", () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, { timeout: Number(process.env["PIPE_INCR_TIMEOUT"] ?? 300_000) }, async () => {
      await fc.assert(
        fc.asyncProperty(modelArb, editsArb, async (model, edits) => {
          const problems = await checkSequence(model, edits);
          if (problems.length) throw new Error(report(seed, model, edits, problems));
        }),
        { seed, numRuns: 1, endOnFailure: true },
      );
    });
  }
});
