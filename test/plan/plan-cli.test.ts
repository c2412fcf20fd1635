// `pipe plan` and `pipe graph` from the command line: states and reasons, the summary line,
// `--json`, `--detailed-exitcode` (0 nothing to run, 3 work to do), DOT and Mermaid.
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { PlanSchema, type Plan } from "../../src/plan/plan.js";
import { taskScript } from "../../src/plan/script.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

const root = path.resolve(import.meta.dirname, "..", "..");
afterAll(cleanProjects);

const sweep = () => project({ "main.pipe": fs.readFileSync(path.join(root, "examples", "sweep", "main.pipe"), "utf8") });

async function pipe(dir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function planJson(dir: string, ...args: string[]): Promise<{ code: number; json: { summary: { tasks: number; toRun: number; cached: number }; tasks: { id: string; state: string; reason?: string; because?: string }[]; plan: Plan } }> {
  const r = await pipe(dir, "plan", "main.pipe", "--json", ...args);
  return { code: r.code, json: JSON.parse(r.stdout) };
}

/** Runs the given tasks' scripts, as a backend would, into the default store. */
async function runTasks(dir: string, plan: Plan, ids: (id: string) => boolean): Promise<void> {
  for (const task of plan.tasks.filter((t) => ids(t.id))) {
    const file = path.join(dir, `${task.key}.sh`);
    fs.writeFileSync(file, taskScript(plan, task));
    const r = await execa("bash", [file], { env: { PIPE_STORE: path.join(dir, ".pipe", "store"), PIPE_PROJECT: dir }, reject: false });
    if (r.exitCode !== 0) throw new Error(String(r.stderr));
  }
}

describe("pipe plan", () => {
  it("lists every task with its state and reason, and a summary line", async () => {
    const dir = sweep();
    const r = await pipe(dir, "plan", "main.pipe");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.filter((l) => /^\s+run\s/.test(l))).toHaveLength(7);
    expect(lines.find((l) => l.includes("main/p"))).toMatch(/^\s+run\s+main\/p\s+pick\s+[0-9a-f]{12}\s+new key$/);
    expect(r.stdout).toContain("\n7 to run, 0 cached\n");
  });

  it("--detailed-exitcode: 3 while there is work to do, 0 once everything is cached", async () => {
    const dir = sweep();
    const first = await planJson(dir, "--detailed-exitcode");
    expect(first.code).toBe(3);
    expect(first.json.summary).toMatchObject({ tasks: 7, toRun: 7, cached: 0 });
    // Run the three epochs=1 tasks, then the rest.
    await runTasks(dir, first.json.plan, (id) => id.includes("epochs=1"));
    const partial = await pipe(dir, "plan", "main.pipe", "--detailed-exitcode");
    expect(partial.code).toBe(3);
    expect(partial.stdout).toContain("\n4 to run, 3 cached\n");
    expect(partial.stdout).toMatch(/(^|\n)\s+cached\s+main\/runs\[lr=0\.1,epochs=1\]\s+train\s+[0-9a-f]{12}\n/);
    await runTasks(dir, first.json.plan, (id) => !id.includes("epochs=1"));
    const done = await pipe(dir, "plan", "main.pipe", "--detailed-exitcode");
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("\n0 to run, 7 cached\n");
    // Without the flag, work to do is still exit 0.
    expect((await pipe(dir, "plan", "main.pipe")).code).toBe(0);
    // --force reruns the matching tasks and, through them, their dependents.
    const forced = await planJson(dir, "--force", "main/runs[lr=0.1,*", "--detailed-exitcode");
    expect(forced.code).toBe(3);
    expect(forced.json.tasks.filter((t) => t.state === "run").map((t) => [t.id, t.reason, t.because ?? null])).toEqual([
      ["main/runs[lr=0.1,epochs=1]", "forced", null],
      ["main/runs[lr=0.1,epochs=2]", "forced", null],
      ["main/p", "upstream reruns", "main/runs[lr=0.1,epochs=1]"],
    ]);
  });

  it("--json carries the states and a plan that validates against its schema", async () => {
    const dir = sweep();
    const { code, json } = await planJson(dir);
    expect(code).toBe(0);
    expect(json.tasks.map((t) => [t.id, t.state, t.reason])).toContainEqual(["main/p", "run", "new key"]);
    expect(PlanSchema.parse(json.plan)).toEqual(json.plan);
    const again = await planJson(dir);
    expect(JSON.stringify(again.json.plan)).toBe(JSON.stringify(json.plan));
  });

  it("--entry picks the pipeline; an unknown one exits 2 naming those there are", async () => {
    const dir = project({
      "main.pipe": `action a(v: Int) -> (o: File) { shell "echo ~{v} > ~{out.o}" }\npipeline main() { let x = a(v = 1) }\npipeline small(v: Int = 2) { let y = a(v = v) }\n`,
    });
    const { json } = await planJson(dir, "--entry", "small", "-p", "v=5");
    expect(json.tasks.map((t) => t.id)).toEqual(["small/y"]);
    expect(json.plan.entry).toBe("small");
    const r = await pipe(dir, "plan", "main.pipe", "--entry", "big");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no pipeline `big` to run");
    expect(r.stderr).toContain("pipelines here: main, small");
  });

  it("invalid input exits 2; --json reports it as data", async () => {
    const dir = project({ "main.pipe": `action t(lr: Float) -> (m: File) { shell "touch ~{out.m}" }\npipeline main() { let x = t(lr = "fast") }\n` });
    const r = await pipe(dir, "plan", "main.pipe", "--json");
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout) as { ok: boolean; diagnostics: { code: string }[] };
    expect(json.ok).toBe(false);
    expect(json.diagnostics.map((d) => d.code)).toContain("P3001");
  });
});

describe("pipe graph", () => {
  it("DOT: a node per task labelled with its action, an edge per dependency", async () => {
    const dir = sweep();
    const r = await pipe(dir, "graph", "main.pipe", "--format", "dot");
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('digraph "main" {\n')).toBe(true);
    expect(r.stdout).toContain('  "main/p" [label="main/p\\npick", fillcolor="#fff1c1", tooltip="to run"];\n');
    expect(r.stdout.match(/ -> "main\/p";/g)).toHaveLength(6);
    expect(r.stdout).toContain('  "main/runs[lr=0.01,epochs=2]" -> "main/p";\n');
    expect(r.stdout.trimEnd().endsWith("}")).toBe(true);
    expect((await pipe(dir, "graph", "main.pipe")).stdout).toBe(r.stdout);
  });

  it("Mermaid: a flowchart with the same nodes and edges", async () => {
    const dir = sweep();
    const r = await pipe(dir, "graph", "main.pipe", "--format", "mermaid");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("flowchart LR");
    expect(lines).toContain('  t6["main/p<br/>pick"]:::run');
    expect(lines.filter((l) => l.endsWith("--> t6"))).toHaveLength(6);
  });

  it("an unknown format exits 2", async () => {
    const r = await pipe(sweep(), "graph", "main.pipe", "--format", "svg");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown graph format "svg"');
  });
});
