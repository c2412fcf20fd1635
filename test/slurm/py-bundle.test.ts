// Python actions in a bundle on the real Slurm (test/slurm/start-slurm.sh): normative
// example 9 and the records-optionals-paths-helper project give the outputs a local run
// gives; the bundle's README says where the runner comes from; a raising function fails
// its task with the traceback in the task's log. Without a Slurm the tests skip with a
// message, unless PIPE_REQUIRE_SLURM is set.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { run } from "../../src/cli/index.js";
import type { Plan } from "../../src/plan/plan.js";
import { recordingIo } from "../helpers.js";
import { bundlePlan, settle as settleJobs, slurmProject, startTestSlurm, storedOutputs } from "./cluster.js";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-slurm-py-"));
let slurm = false;

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm tests of Python actions");
});

afterAll(async () => {
  for (const dir of fs.readdirSync(tmp)) {
    if (fs.existsSync(path.join(tmp, dir, "bundle", "jobs.tsv"))) await pipe("cancel", path.join(tmp, dir, "bundle"));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

function needSlurm(ctx: TestContext): void {
  if (!slurm) ctx.skip();
}

async function pipe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo(tmp);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const project = (source: string, name: string) => slurmProject(tmp, source, name);
const settle = (bundle: string, seconds = 120) => settleJobs(bundle, seconds, {});
const outputs = storedOutputs;

async function submitAndCompare(source: string, name: string): Promise<{ plan: Plan; store: Record<string, Record<string, string>>; bundle: string }> {
  const p = project(source, name);
  const emitted = await pipe("emit", "slurm", path.join(p.proj, "main.pipe"), "-o", p.bundle);
  expect(emitted.code, emitted.err).toBe(0);
  const submitted = await pipe("submit", p.bundle);
  expect(submitted.code, submitted.err).toBe(0);
  await settle(p.bundle);
  const status = await pipe("status", p.bundle);
  expect(status.code, status.out + status.err).toBe(0);
  const plan = bundlePlan(p.bundle);
  fs.writeFileSync(path.join(p.dir, "local.json"), JSON.stringify({ store: path.join(p.dir, "local-store") }));
  const local = await pipe("run", path.join(p.proj, "main.pipe"), "--config", path.join(p.dir, "local.json"), "--quiet");
  expect(local.code, local.err).toBe(0);
  const store = outputs(plan, p.store);
  expect(store).toEqual(outputs(plan, path.join(p.dir, "local-store")));
  return { plan, store, bundle: p.bundle };
}

describe("Python actions in a Slurm bundle", () => {
  it("runs normative example 9: best = 1, as locally", async (ctx) => {
    needSlurm(ctx);
    const { store, bundle } = await submitAndCompare(path.join(root, "examples/python-pick"), "pick");
    expect(store["main/p"]).toEqual({ index: "1\n" });
    const readme = fs.readFileSync(path.join(bundle, "README.md"), "utf8");
    expect(readme).toContain("`$PIPE_HOME/python/pipe_runner.py`");
    expect(readme).toContain("part of the pipe installation");
    expect(fs.readFileSync(path.join(bundle, "bundle.env"), "utf8")).toContain(`PIPE_HOME=${root}`);
  }, 240_000);

  it("runs records, optionals, paths and a helper import with the outputs of a local run", async (ctx) => {
    needSlurm(ctx);
    const { store } = await submitAndCompare(path.join(root, "test/fixtures/py/project"), "project");
    expect(store["main/s"]!["best"]).toBe("120.0\n");
    expect(store["main/s"]!["report"]).toBe("report\nlr=0.5: 30.0\nlr=2.0: 120.0\n");
    expect(store["main/p"]!["raw"]).toBe("1\n2\n3\n4\n5\n");
  }, 240_000);

  it("runs every action of the standard library with the results of a local run", async (ctx) => {
    needSlurm(ctx);
    const { plan, store } = await submitAndCompare(path.join(root, "test/fixtures/py/stdlib"), "stdlib");
    const byId = (id: string) => store[plan.tasks.find((t) => t.id === id)!.id]!;
    expect(byId("main/b")).toEqual({ index: "1\n", value: "0.9\n" });
    expect(JSON.parse(byId("main/bc")["params"]!)).toEqual({ lr: 0.9, bs: 2 });
    expect(byId("main/tb")["table"]).toBe("bs,lr\r\n1,0.3\r\n2,0.9\r\n3,0.1\r\n");
    expect(JSON.parse(byId("main/e")["result"]!)).toEqual({ acc: 1.5, tags: ["a", "b"], fast: true });
    expect(byId("main/cl")).toEqual({ n: "3\n" });
  }, 300_000);

  it("fails a task whose function raises, with the traceback in its log", async (ctx) => {
    needSlurm(ctx);
    const p = project(path.join(root, "examples/python-pick"), "raises");
    fs.writeFileSync(
      path.join(p.proj, "select.py"),
      ["from typing import TypedDict", "class Pick(TypedDict):", "    index: int", "def pick(scores: list[float]) -> Pick:", "    raise RuntimeError('no winner')", ""].join("\n"),
    );
    expect((await pipe("emit", "slurm", path.join(p.proj, "main.pipe"), "-o", p.bundle)).code).toBe(0);
    expect((await pipe("submit", p.bundle)).code).toBe(0);
    await settle(p.bundle);
    const status = await pipe("status", p.bundle);
    expect(status.code).toBe(1);
    const logs = await pipe("logs", p.bundle, "main/p");
    expect(logs.out).toContain("Traceback (most recent call last):");
    expect(logs.out).toContain("error: select.py#pick raised RuntimeError: no winner (at select.py:5)");
  }, 240_000);
});
