// Dynamic loops in bundles submitted to the real single-node Slurm: normative example 6
// (the expanding job submits the loop as one job array and the fan-in after it; a local
// run then finds everything in the store), an empty runtime list, a nested dynamic loop
// inside a pipeline body, and a failed element whose resubmit runs only it and the fan-in.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { startTestSlurm } from "./cluster.js";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-slurm-dynamic-"));
let slurm = false;

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm tests of dynamic loops");
});

afterAll(async () => {
  for (const dir of fs.readdirSync(tmp)) {
    const bundle = path.join(tmp, dir, "b");
    // `pipe cancel` cancels the jobs of the bundle's parts too.
    if (fs.existsSync(path.join(bundle, "jobs.tsv"))) await pipe(tmp, "cancel", bundle);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

function needSlurm(ctx: TestContext): void {
  if (!slurm) ctx.skip();
}

async function pipe(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo(cwd, { PATH: process.env["PATH"] });
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function project(name: string, text: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "main.pipe"), text);
  return dir;
}

interface Status {
  task: string;
  status: string;
}

/** Waits until no task of the bundle is pending or running (and every expanding job has written its part). */
async function settle(dir: string, ms = 90_000): Promise<Status[]> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await pipe(dir, "status", "b", "--json");
    const tasks = (JSON.parse(r.out) as { tasks: Status[] }).tasks;
    if (tasks.length && tasks.every((t) => t.status !== "pending" && t.status !== "running" && t.status !== "not submitted")) return tasks;
    if (Date.now() > end) throw new Error(`the bundle did not settle: ${JSON.stringify(tasks)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The records of the parts of the bundle (its loops' directories under expand/): task → Slurm
 * job id and index. A part whose submission is still being written has no jobs.tsv yet.
 */
function partRecords(dir: string): string[][] {
  const parts = path.join(dir, "b", "expand");
  return fs
    .readdirSync(parts)
    .filter((n) => !n.startsWith(".") && fs.existsSync(path.join(parts, n, "jobs.tsv")))
    .flatMap((n) => fs.readFileSync(path.join(parts, n, "jobs.tsv"), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split("\t")));
}

const example6 = fs.readFileSync(path.join(root, "examples", "dynamic", "main.pipe"), "utf8");

describe("dynamic loops on Slurm", () => {
  it("example 6: the expanding job submits the loop as one job array and the fan-in; a local run then finds all in the store", async (ctx) => {
    needSlurm(ctx);
    const dir = project("example6", example6);
    const emit = await pipe(dir, "emit", "slurm", "main.pipe", "-o", "b");
    expect(emit.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "b", "bundle.env"), "utf8")).toContain("PIPE_HOME=");
    const submit = await execa("bash", [path.join(dir, "b", "submit.sh")], { reject: false, all: true });
    expect(submit.exitCode).toBe(0);
    expect(submit.all).toMatch(/expand-w: submitted job \d+ \(expands a dynamic loop, after afterok:\d+\)/);
    const states = await settle(dir);
    expect(states.map((s) => [s.task, s.status])).toEqual([
      ["main/s", "done"],
      ["(expand) main/w", "done"],
      ["main/w[p=p1]", "done"],
      ["main/w[p=p2]", "done"],
      ["main/w[p=p3]", "done"],
      ["main/c", "done"],
    ]);
    // The part the expanding job wrote passes shellcheck like the rest of the bundle.
    const partDir = path.join(dir, "b", "expand", fs.readdirSync(path.join(dir, "b", "expand")).find((n) => !n.startsWith("."))!);
    const scripts = ["submit.sh", ...fs.readdirSync(path.join(partDir, "jobs")).filter((f) => f.endsWith(".sh")).map((f) => `jobs/${f}`)];
    const lint = await execa("shellcheck", ["--shell=bash", ...scripts], { cwd: partDir, reject: false });
    expect(lint.stdout).toBe("");
    const records = partRecords(dir);
    const loop = records.filter((r) => r[0]!.startsWith("main/w["));
    expect(new Set(loop.map((r) => r[2])).size).toBe(1);
    expect(loop.map((r) => r[3]).sort()).toEqual(["0", "1", "2"]);
    const local = await pipe(dir, "run", "main.pipe", "--json");
    expect(local.out).not.toContain('"type":"start"');
    expect(local.out).toContain('"outputs":{"n":"3"}');
    // A resubmit of a finished bundle submits the expanding job only, which submits nothing.
    const again = await execa("bash", [path.join(dir, "b", "submit.sh")], { reject: false, all: true });
    expect(again.all).toContain("s: in the store");
    await settle(dir);
    expect(partRecords(dir)).toHaveLength(records.length);
  });

  it("an empty list: the fan-in runs over nothing; a nested dynamic loop inside a pipeline body", async (ctx) => {
    needSlurm(ctx);
    const dir = project(
      "nested",
      `
action split(s: String) -> (xs: List[String]) {
  shell "printf '%s' ~{s} > ~{out.xs}"
}
action letters(p: String) -> (xs: List[String]) {
  shell """printf '["%s-a", "%s-b"]' ~{p} ~{p} > ~{out.xs}"""
}
action work(p: String) -> (y: String) {
  shell "echo ~{p}-done > ~{out.y}"
}
action join(ys: List[String]) -> (all: String) {
  shell "echo ~{ys} > ~{out.all}"
}
pipeline inner(p: String) -> (deep: String) {
  let l = letters(p = p)
  let m = for q in l.xs { work(p = q) }
  let jm = join(ys = m.y)
  return (deep = jm.all)
}
pipeline main() -> (deep: String, empty: String) {
  let s = split(s = """["x", "y"]""")
  let e = split(s = "[]")
  let r = for p in s.xs { inner(p = p) }
  let z = for p in e.xs { work(p = p) }
  let d = join(ys = r.deep)
  let n = join(ys = z.y)
  return (deep = d.all, empty = n.all)
}
`,
    );
    expect((await pipe(dir, "emit", "slurm", "main.pipe", "-o", "b")).code).toBe(0);
    expect((await execa("bash", [path.join(dir, "b", "submit.sh")], { reject: false })).exitCode).toBe(0);
    const states = await settle(dir);
    expect(states.filter((s) => s.status !== "done")).toEqual([]);
    expect(states.map((s) => s.task)).toContain("main/r[p=y]/m[q=y-b]");
    const local = await pipe(dir, "run", "main.pipe", "--json");
    expect(local.out).not.toContain('"type":"start"');
    expect(local.out).toContain('"outputs":{"deep":"x-a-done x-b-done y-a-done y-b-done","empty":""}');
  });

  it("a failed element cancels the fan-in; the resubmit runs only that element and the fan-in", async (ctx) => {
    needSlurm(ctx);
    const dir = project(
      "failure",
      example6.replace('shell "echo ~{p}-done > ~{out.y}"', 'shell "if [ ~{p} = p2 ] && [ -e fail-p2 ]; then exit 3; fi; echo ~{p}-done > ~{out.y}"'),
    );
    fs.writeFileSync(path.join(dir, "fail-p2"), "");
    expect((await pipe(dir, "emit", "slurm", "main.pipe", "-o", "b")).code).toBe(0);
    await execa("bash", [path.join(dir, "b", "submit.sh")]);
    const first = await settle(dir);
    expect(Object.fromEntries(first.map((s) => [s.task, s.status]))).toMatchObject({ "main/w[p=p1]": "done", "main/w[p=p2]": "failed", "main/w[p=p3]": "done", "main/c": "cancelled" });
    const before = partRecords(dir).length;
    fs.rmSync(path.join(dir, "fail-p2"));
    await execa("bash", [path.join(dir, "b", "submit.sh")]);
    const second = await settle(dir);
    expect(second.filter((s) => s.status !== "done")).toEqual([]);
    expect(partRecords(dir).slice(before).map((r) => r[0]).sort()).toEqual(["main/c", "main/w[p=p2]"]);
    expect((await pipe(dir, "run", "main.pipe")).out).toBe("n = 3\n");
  });

  it("pipe cancel cancels the jobs an expanding job submitted", async (ctx) => {
    needSlurm(ctx);
    const dir = project("cancel", example6.replace('shell "echo ~{p}-done > ~{out.y}"', 'shell "sleep 60; echo ~{p}-done > ~{out.y}"'));
    expect((await pipe(dir, "emit", "slurm", "main.pipe", "-o", "b")).code).toBe(0);
    await execa("bash", [path.join(dir, "b", "submit.sh")]);
    const end = Date.now() + 60_000;
    while (!fs.existsSync(path.join(dir, "b", "expand")) || partRecords(dir).length < 4) {
      if (Date.now() > end) throw new Error("the expanding job submitted nothing");
      await new Promise((r) => setTimeout(r, 250));
    }
    const ids = new Set(partRecords(dir).map((r) => r[2]!));
    const cancel = await pipe(dir, "cancel", "b");
    expect(cancel.code).toBe(0);
    for (const id of ids) expect(cancel.err).toContain(id);
    const states = await settle(dir);
    expect(states.filter((s) => s.task.startsWith("main/w[")).map((s) => s.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
  });
});
