// Every command at the documented limits: a plan of MAX_TASKS tasks (a sweep and its
// fan-in, and a chain as long as the plan), a 130,000-line command, a 200,000-element list.
// Each must do its work, never fail with an internal error such as "Maximum call stack
// size exceeded" (a spread of the tasks into a call's arguments, a recursion along the
// chain). The CLI runs as its own process, as a user runs it, each with Node's default
// heap; its time and peak memory are printed (from /usr/bin/time where there is one).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { execa } from "execa";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PIPELINE_DEPTH } from "../../src/check/with-analysis.js";
import { MAX_WHY_DEPTH } from "../../src/diff/why.js";
import { MAX_TASKS } from "../../src/plan/index.js";
import { globMatch } from "../../src/plan/state.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const pipeBin = path.join(root, "bin", "pipe.js");
const timeBin = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pipe-limits-")));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Generous: each takes seconds alone, several times that on a loaded machine. */
const TIMEOUT = 600_000;
/** Tasks in the Slurm bundle: see its test. */
const BUNDLE_TASKS = 100_000;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A sweep of `n - 1` tasks (an a × b grid) and one task that reads all their outputs. */
function sweepProgram(n: number, command: string): string {
  let b = 1000;
  while ((n - 1) % b) b--;
  return [
    "action train(a: Int, b: Int) -> (score: Float) {",
    `  shell "${command}"`,
    "}",
    "action pick(scores: List[Float]) -> (best: Float) {",
    "  shell \"printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}\"",
    "}",
    "pipeline main() -> (best: Float) {",
    `  let runs = for a in [${range((n - 1) / b).join(", ")}], b in [${range(b).join(", ")}] { train(a = a, b = b) }`,
    "  let p = pick(scores = runs.score)",
    "  return (best = p.best)",
    "}",
    "",
  ].join("\n");
}

/**
 * A chain of `n` tasks and the id of its last, each reading the one before: `first` (by default failing at once), then
 * `n - 1` steps, written with pipelines that each call the one below twice (`p18` is a
 * chain of 2^18), so that the program stays small.
 */
function chainProgram(n: number, first = "exit 1"): { text: string; last: string } {
  const lines = ["action first() -> (y: Int) {", `  shell "${first}"`, "}", "action step(x: Int) -> (y: Int) {", '  shell "echo ~{x} > ~{out.y}"', "}"];
  lines.push("pipeline p0(x: Int) -> (y: Int) {", "  let s = step(x = x)", "  return (y = s.y)", "}");
  let top = 0;
  for (; 2 ** (top + 1) <= n; top++) lines.push(`pipeline p${top + 1}(x: Int) -> (y: Int) {`, `  let a = p${top}(x = x)`, `  let b = p${top}(x = a.y)`, "  return (y = b.y)", "}");
  lines.push("pipeline main() -> (y: Int) {", "  let f = first()");
  let previous = "f.y";
  let last = "main/f";
  let left = n - 1;
  for (let k = top; k >= 0; k--) {
    if (left < 2 ** k) continue;
    left -= 2 ** k;
    lines.push(`  let c${k} = p${k}(x = ${previous})`);
    previous = `c${k}.y`;
    last = `main/c${k}/${"b/".repeat(k)}s`;
  }
  lines.push(`  return (y = ${previous})`, "}", "");
  return { text: lines.join("\n"), last };
}

function write(dir: string, text: string): string {
  fs.mkdirSync(path.join(tmp, dir), { recursive: true });
  fs.writeFileSync(path.join(tmp, dir, "main.pipe"), text);
  return path.join(tmp, dir);
}

interface Ran {
  readonly code: number;
  readonly stderr: string;
  /** The file stdout went to: some outputs are hundreds of megabytes. */
  readonly stdout: string;
  /** Peak resident memory in MiB, where /usr/bin/time measured it. */
  readonly peakMiB?: number;
}

/** What a command may take at the task limit, at most: 1.5 GB. */
const PEAK_MIB = 1.5e9 / 2 ** 20;

/** The peak memory is within `PEAK_MIB` (where it is measured). */
const withinMemory = (r: Ran) => {
  if (timeBin) expect(r.peakMiB).toBeLessThan(PEAK_MIB);
};

/** Runs `pipe ...args` in `cwd`, stdout to a file; prints its time and peak memory. */
async function pipe(label: string, cwd: string, ...args: string[]): Promise<Ran> {
  // `pipe diff` takes a plan for a plan by its extension.
  const stdout = path.join(tmp, `${label.replace(/\W+/g, "-")}.${args.includes("--plan-only") ? "json" : "out"}`);
  const measure = path.join(tmp, `${label.replace(/\W+/g, "-")}.time`);
  const command = timeBin ? [timeBin, "-f", "%e %M", "-o", measure, process.execPath, pipeBin, ...args] : [process.execPath, pipeBin, ...args];
  const started = Date.now();
  // Straight to the file: a parent that reads the output (execa) caps it, at 100 MB.
  const fd = fs.openSync(stdout, "w");
  const r = await new Promise<{ exitCode: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd, stdio: ["ignore", fd, "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stderr }));
  }).finally(() => fs.closeSync(fd));
  const [seconds, kb] = timeBin ? fs.readFileSync(measure, "utf8").trim().split("\n").at(-1)!.split(" ") : [String((Date.now() - started) / 1000), undefined];
  console.log(`limits: ${label}: ${seconds} s${kb ? `, peak ${Math.round(Number(kb) / 1024)} MiB` : ""}, ${fs.statSync(stdout).size} bytes out`);
  return { code: r.exitCode ?? -1, stderr: String(r.stderr), stdout, ...(kb ? { peakMiB: Number(kb) / 1024 } : {}) };
}

/** The first and last `bytes` of a file, and its number of lines, without reading it whole into a string. */
function peek(file: string, bytes = 4096): { head: string; tail: string; lines: number } {
  const data = fs.readFileSync(file);
  let lines = 0;
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) lines++;
  return { head: data.subarray(0, bytes).toString("utf8"), tail: data.subarray(Math.max(0, data.length - bytes)).toString("utf8"), lines };
}

const noInternalError = (r: Ran) => expect(r.stderr).not.toMatch(/internal error|RangeError|Maximum call stack|Invalid string length|heap out of memory/);

let sweep: string;
let changed: string;
let chain: string;
let chainEnd: string;

beforeAll(() => {
  sweep = write("sweep", sweepProgram(MAX_TASKS, "echo ~{a}.~{b} > ~{out.score}"));
  changed = write("changed", sweepProgram(MAX_TASKS, "echo ~{a}.~{b}0 > ~{out.score}"));
  const program = chainProgram(MAX_TASKS);
  chain = write("chain", program.text);
  chainEnd = program.last;
});

describe("the programs", () => {
  it("a chain is n tasks, each reading the one before, ending at the id given", async () => {
    for (const n of [1, 2, 37, 64]) {
      const program = chainProgram(n);
      const dir = write(`chain-${n}`, program.text);
      const r = await pipe(`plan --plan-only chain of ${n}`, dir, "plan", "main.pipe", "--plan-only");
      expect(r.code).toBe(0);
      const tasks = (JSON.parse(fs.readFileSync(r.stdout, "utf8")) as { tasks: { id: string; deps: string[] }[] }).tasks;
      expect(tasks.length).toBe(n);
      expect(tasks.at(-1)!.id).toBe(program.last);
      tasks.forEach((t, i) => expect(t.deps).toEqual(i ? [tasks[i - 1]!.id] : []));
    }
  });
});

describe(`at the task limit (${MAX_TASKS} tasks)`, () => {
  it("pipe check", { timeout: TIMEOUT }, async () => {
    const r = await pipe("check sweep", sweep, "check", "main.pipe");
    noInternalError(r);
    expect(r.code).toBe(0);
  });

  it("pipe plan, as text: a line per task and the summary", { timeout: TIMEOUT }, async () => {
    const r = await pipe("plan sweep", sweep, "plan", "main.pipe");
    noInternalError(r);
    expect(r.code).toBe(0);
    withinMemory(r);
    const out = peek(r.stdout);
    expect(out.lines).toBe(MAX_TASKS + 2);
    expect(out.tail).toContain(`\n${MAX_TASKS} to run, 0 cached\n`);
  });

  it("pipe plan --json, of the chain", { timeout: TIMEOUT }, async () => {
    const r = await pipe("plan --json chain", chain, "plan", "main.pipe", "--json");
    noInternalError(r);
    expect(r.code).toBe(0);
    withinMemory(r);
    const out = peek(r.stdout);
    expect(out.head).toMatch(new RegExp(`"summary": \\{\\s*"tasks": ${MAX_TASKS},`));
    expect(out.tail).toMatch(/\}\n$/);
  });

  it("pipe plan --json, of the sweep: the fan-in's dependencies written once in the plan", { timeout: TIMEOUT }, async () => {
    const r = await pipe("plan --json sweep", sweep, "plan", "main.pipe", "--json");
    noInternalError(r);
    expect(r.code).toBe(0);
    withinMemory(r);
    const out = peek(r.stdout);
    expect(out.head).toMatch(new RegExp(`"summary": \\{\\s*"tasks": ${MAX_TASKS},`));
    // Read as bytes: the document is longer than a string may be.
    const data = fs.readFileSync(r.stdout);
    const plan = data.indexOf('"plan": {');
    expect(data.indexOf('"id": "main/p"', plan)).toBeGreaterThan(plan);
    // The task states never list dependencies: the plan's fan-in does, once.
    expect(data.subarray(0, plan).includes('"deps"')).toBe(false);
    // The first task: its state, its task in the plan, the fan-in's dependency on it and the argument it reads.
    let named = 0;
    for (let at = data.indexOf('"main/runs[a=0,b=0]"'); at >= 0; at = data.indexOf('"main/runs[a=0,b=0]"', at + 1)) named++;
    expect(named).toBe(4);
  });

  it("pipe graph, DOT and Mermaid: every task and every edge", { timeout: TIMEOUT }, async () => {
    for (const format of ["dot", "mermaid"]) {
      const r = await pipe(`graph --format ${format} sweep`, sweep, "graph", "main.pipe", "--expand", "--format", format);
      noInternalError(r);
      expect(r.code).toBe(0);
      // About 1.1 GB; 1.4 to 1.6 GB when the text was made as one string of all its lines.
      withinMemory(r);
      // At least a line per task and one per edge into the fan-in.
      expect(peek(r.stdout).lines).toBeGreaterThan(2 * (MAX_TASKS - 1));
    }
  });

  it("pipe diff, pipe diff --verbose and pipe diff --json of two plans where every task changed", { timeout: TIMEOUT }, async () => {
    const before = await pipe("plan --plan-only sweep", sweep, "plan", "main.pipe", "--plan-only");
    const after = await pipe("plan --plan-only changed", changed, "plan", "main.pipe", "--plan-only");
    expect([before.code, after.code]).toEqual([0, 0]);
    withinMemory(before);
    const short = await pipe("diff", tmp, "diff", before.stdout, after.stdout);
    noInternalError(short);
    expect(short.code).toBe(3);
    // Both plans are in memory at once; 1.76 GiB when each changed task had a cause list of its own.
    withinMemory(short);
    expect(peek(short.stdout).tail).toContain(`0 to add, ${MAX_TASKS} to rerun, 0 to remove, 0 unchanged`);
    const verbose = await pipe("diff --verbose", tmp, "diff", "--verbose", before.stdout, after.stdout);
    noInternalError(verbose);
    expect(verbose.code).toBe(3);
    withinMemory(verbose);
    const out = peek(verbose.stdout);
    expect(out.lines).toBeGreaterThan(MAX_TASKS);
    expect(out.tail).toContain(`0 to add, ${MAX_TASKS} to rerun, 0 to remove, 0 unchanged`);
    // 310 MB of JSON: 1.96 GiB while it was built as one string before it was written.
    const json = await pipe("diff --json", tmp, "diff", "--json", before.stdout, after.stdout);
    noInternalError(json);
    expect(json.code).toBe(3);
    withinMemory(json);
    const { head, tail } = peek(json.stdout);
    expect(head).toMatch(new RegExp(`^\\{\\n "ok": true,[^]*"summary": \\{\\n  "add": 0,\\n  "rerun": ${MAX_TASKS},`));
    expect(tail).toMatch(/"main\/p"\n   \]\n  \}\n \]\n\}\n$/);
  });

  it("pipe why, of the last task of the chain", { timeout: TIMEOUT }, async () => {
    const r = await pipe("why chain", chain, "why", chainEnd, "main.pipe");
    noInternalError(r);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(r.stdout, "utf8")).toContain(`the store has no earlier run of ${chainEnd}`);
  });

  it("pipe run --json of the chain: its first task fails, every other is skipped; again, with the plan kept", { timeout: TIMEOUT }, async () => {
    // Written long enough ago for the plan cache to keep what it compiles.
    const then = new Date(Date.now() - 10_000);
    fs.utimesSync(path.join(chain, "main.pipe"), then, then);
    const r = await pipe("run --json chain", chain, "run", "main.pipe", "--json");
    noInternalError(r);
    expect(r.code).toBe(1);
    const text = fs.readFileSync(r.stdout, "latin1");
    let skipped = 0;
    for (let i = text.indexOf('"type":"skipped"'); i >= 0; i = text.indexOf('"type":"skipped"', i + 1)) skipped++;
    expect(skipped).toBe(MAX_TASKS - 1);
    expect(JSON.parse(text.slice(text.lastIndexOf("\n", text.length - 2) + 1))).toMatchObject({ type: "result", status: "failed", failed: ["main/f"] });
    // About 950 MiB; 2,544 MiB when a run's plan was written in pieces of 4 MiB, its record
    // as one string, and the scheduler kept an array per task.
    withinMemory(r);
    // Again, with the plan the first run kept: 1,314 MiB when its text was read whole.
    const kept = () => fs.readdirSync(path.join(chain, ".pipe", "plan-cache")).filter((f) => f.endsWith(".json")).map((f) => fs.statSync(path.join(chain, ".pipe", "plan-cache", f)).ino);
    const keptBefore = kept();
    expect(keptBefore).toHaveLength(1);
    const again = await pipe("run --json chain, plan kept", chain, "run", "main.pipe", "--json");
    noInternalError(again);
    expect(again.code).toBe(1);
    expect(fs.readFileSync(again.stdout, "latin1").length).toBe(fs.readFileSync(r.stdout, "latin1").length);
    // Reused, not compiled and kept again: a plan kept anew is a new file, renamed over the old.
    expect(kept()).toEqual(keptBefore);
    withinMemory(again);
  });

  it(`pipe emit slurm of a ${BUNDLE_TASKS}-task sweep: at most 1,000 files and 50 MB, and one task runs by hand`, { timeout: TIMEOUT }, async () => {
    // A job's script and its table, not a script per task: cluster file systems punish many files.
    const dir = write("bundle", sweepProgram(BUNDLE_TASKS, "echo ~{a}.~{b} > ~{out.score}"));
    const r = await pipe("emit slurm", dir, "emit", "slurm", "main.pipe", "-o", "out");
    noInternalError(r);
    expect(r.code).toBe(0);
    const out = path.join(dir, "out");
    const files = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const bytes = files.reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    console.log(`bundle of ${BUNDLE_TASKS} tasks: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB (targets: 1,000 files, 50 MB)`);
    expect(files.length).toBeLessThanOrEqual(1000);
    expect(bytes).toBeLessThanOrEqual(50e6);
    expect(fs.existsSync(path.join(out, "tasks"))).toBe(false);
    const tables = files.filter((e) => e.name.endsWith(".tasks"));
    const rows = tables.reduce((n, e) => n + fs.readFileSync(path.join(e.parentPath, e.name), "utf8").split("\n").length - 1, 0);
    expect(rows).toBe(BUNDLE_TASKS);
    // The last row of the last array, by hand: it reads its values and stores its result.
    const bundle = JSON.parse(fs.readFileSync(path.join(out, "bundle.json"), "utf8")) as { jobs: { name: string; script: string; count: number; array: boolean }[] };
    const last = bundle.jobs.filter((j) => j.array).at(-1)!;
    const t0 = performance.now();
    const one = await execa("bash", [path.join(out, last.script), String(last.count - 1)], { reject: false });
    console.log(`one task by hand (row ${last.count} of ${last.script}): ${Math.round(performance.now() - t0)} ms`);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^pipe: task main/runs\\[a=\\d+,b=\\d+\\] \\(${last.script} ${last.count - 1}\\)`));
    fs.rmSync(out, { recursive: true });
  });
});

/** `depth` pipelines nested, `main` calling `p{depth-2}` calling ... `p0`, which calls an action. */
function nestedProgram(depth: number): string {
  const lines = ["action step(x: Int) -> (y: Int) {", '  shell "echo ~{x} > ~{out.y}"', "}", "pipeline p0(x: Int) -> (y: Int) {", "  let s = step(x = x)", "  return (y = s.y)", "}"];
  for (let i = 1; i < depth - 1; i++) lines.push(`pipeline p${i}(x: Int) -> (y: Int) {`, `  let a = p${i - 1}(x = x)`, "  return (y = a.y)", "}");
  lines.push("pipeline main() -> (y: Int) {", `  let a = p${depth - 2}(x = 1)`, "  return (y = a.y)", "}", "");
  return lines.join("\n");
}

describe("pipe why along a long chain", () => {
  it(`follows ${MAX_WHY_DEPTH} levels of upstream changes, then names the task to ask next`, { timeout: TIMEOUT }, async () => {
    const n = MAX_WHY_DEPTH + 20;
    const before = chainProgram(n, "echo 1 > ~{out.y}");
    const dir = write("why-chain", before.text);
    expect((await pipe("run why chain", dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    fs.writeFileSync(path.join(dir, "main.pipe"), chainProgram(n, "echo 2 > ~{out.y}").text);
    const first = await pipe("why chain, the last task", dir, "why", before.last, "main.pipe");
    noInternalError(first);
    expect(first.code).toBe(0);
    const lines = fs.readFileSync(first.stdout, "utf8").trimEnd().split("\n");
    // The chain reads as one root, where it was cut, and the tasks between, counted.
    expect(lines.length, lines.join("\n")).toBe(5);
    expect(lines[4]).toMatch(new RegExp(`^        through ${MAX_WHY_DEPTH - 1} tasks: `));
    const next = /: further upstream: pipe why (\S+)$/.exec(lines[3]!)![1]!;
    const second = await pipe("why chain, where the first stopped", dir, "why", next, "main.pipe");
    expect(second.code).toBe(0);
    expect(fs.readFileSync(second.stdout, "utf8")).toMatch(/\n {8}main\/f \(\w+ → \w+\):\n\s+definition of first changed/);
  });
});

describe("long input in patterns and outputs", () => {
  it("a --force pattern matches as the regular expression it stands for, at any number of `*`", () => {
    const asRegExp = (p: string) => new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    const chars = fc.constantFrom("a", "b", "*", "/", "[", ".");
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom("a", "b", "/", "[", "."), maxLength: 12 }), (p, id) => {
        expect(globMatch(p, id)).toBe(asRegExp(p).test(id));
      }),
      { numRuns: 5000 },
    );
  });

  it("a pattern of many `*` against a long id answers at once", () => {
    const id = "a".repeat(20_000);
    const started = Date.now();
    expect(globMatch("*a*a*a*a*a*a*b", id)).toBe(false);
    expect(globMatch("*a*a*a*a*a*a*", id)).toBe(true);
    // The regular expression took 4 s at 120 characters.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("an Int output with a long run of spaces inside is refused at once", { timeout: TIMEOUT }, async () => {
    // Trimmed by a regular expression anchored at the end, it took 160 s to be refused.
    const dir = write("spaces", ["action t() -> (n: Int) {", `  shell "printf '7%200000s8' '' > ~{out.n}"`, "}", "pipeline main() -> (n: Int) {", "  let a = t()", "  return (n = a.n)", "}", ""].join("\n"));
    const started = Date.now();
    const r = await pipe("run spaces", dir, "run", "main.pipe", "--json");
    noInternalError(r);
    expect(r.code).toBe(1);
    const result = JSON.parse(fs.readFileSync(r.stdout, "utf8").trimEnd().split("\n").at(-1)!) as { status: string; failed: string[] };
    expect(result).toMatchObject({ status: "failed", failed: ["main/a"] });
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe("long runs of newlines in a command and in an output", () => {
  it("a String output with 200,000 newlines inside is printed at once", { timeout: TIMEOUT }, async () => {
    const dir = write("newlines-output", ["action t() -> (s: String) {", `  shell "{ printf a; printf '\\n%.0s' $(seq 200000); printf b; } > ~{out.s}"`, "}", "pipeline main() -> (s: String) {", "  let a = t()", "  return (s = a.s)", "}", ""].join("\n"));
    const started = Date.now();
    const r = await pipe("run newlines output", dir, "run", "main.pipe", "--json");
    noInternalError(r);
    expect(r.code).toBe(0);
    const result = JSON.parse(fs.readFileSync(r.stdout, "utf8").trimEnd().split("\n").at(-1)!) as { outputs: { s: string } };
    expect(result.outputs.s).toBe(`a${"\n".repeat(200_000)}b`);
    // Trimmed by `/\n+$/`, it took half a minute to minutes; now well under a second.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a command with 200,000 blank lines inside plans at once", { timeout: TIMEOUT }, async () => {
    const dir = write("newlines-command", ["action t() -> (out: File) {", '  shell """', "    echo a", "\n".repeat(200_000), "    echo b > ~{out.out}", '  """', "}", "pipeline main() -> (out: File) {", "  let a = t()", "  return (out = a.out)", "}", ""].join("\n"));
    const started = Date.now();
    const r = await pipe("plan newlines command", dir, "plan", "main.pipe");
    noInternalError(r);
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe("the front end at its limits", () => {
  it(`pipelines nested ${MAX_PIPELINE_DEPTH} deep plan; one more, or 50,000, is P2016 at the call, not a crash`, { timeout: TIMEOUT }, async () => {
    const deepest = write("nested-limit", nestedProgram(MAX_PIPELINE_DEPTH));
    const ok = await pipe("plan nested at the limit", deepest, "plan", "main.pipe");
    noInternalError(ok);
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(ok.stdout, "utf8")).toContain(`main/${"a/".repeat(MAX_PIPELINE_DEPTH - 1)}s`);
    const over = write("nested-over", nestedProgram(MAX_PIPELINE_DEPTH + 1));
    const one = await pipe("check nested one past the limit", over, "check", "main.pipe");
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(new RegExp(`main.pipe:9:11: error P2016: pipeline calls nest more than ${MAX_PIPELINE_DEPTH} deep\n`));
    const far = write("nested-far", nestedProgram(50_000));
    const many = await pipe("check nested 50,000 deep", far, "check", "main.pipe");
    noInternalError(many);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain("error P2016");
  });

  it("pipe check of a 130,000-line command and a 200,000-element list", { timeout: TIMEOUT }, async () => {
    const command = range(130_000).map((i) => `    echo ${i}`).join("\n");
    const dir = write(
      "long-lines",
      [
        "action t(xs: List[Int]) -> (out: File) {",
        '  shell """',
        command,
        '    echo ~{xs} > ~{out.out}',
        '  """',
        "}",
        "pipeline main() -> (out: File) {",
        `  let a = t(xs = [${range(200_000).join(", ")}])`,
        "  return (out = a.out)",
        "}",
        "",
      ].join("\n"),
    );
    const r = await pipe("check long lines", dir, "check", "main.pipe");
    noInternalError(r);
    expect(r.code).toBe(0);
    const plan = await pipe("plan long lines", dir, "plan", "main.pipe");
    noInternalError(plan);
    expect(plan.code).toBe(0);
    const formatted = await pipe("fmt long lines", dir, "fmt", "main.pipe");
    noInternalError(formatted);
    expect(formatted.code).toBe(0);
  });
});
