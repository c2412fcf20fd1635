// Bundles submitted to a real single-node Slurm (test/slurm/start-slurm.sh): example 3 as
// one job array and a fan-in, matching a local run; a failure cancels its dependents, and
// the next submit runs only the failed task and what depends on it; a cached bundle
// submits nothing; a bundle still queued is not submitted twice and can be cancelled; a
// bundle whose `uses` script changed is refused, and submitted anyway its tasks store nothing.
// Without a Slurm (an ordinary laptop) the tests skip with a message, unless
// PIPE_REQUIRE_SLURM is set (CI), where a skip is a failure.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { readBundle } from "../../src/backends/slurm/index.js";
import { bundleLogsCommand } from "../../src/cli/bundle-commands.js";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { bundlePlan, jobRecords, settle as settleJobs, slurmProject, startTestSlurm, storedOutputs } from "./cluster.js";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-slurm-"));
const shims = path.join(tmp, "bin");
const sbatchLog = path.join(tmp, "sbatch.log");
let slurm = false;

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm submit tests");
  if (!slurm) return;
  // Count sbatch calls: a shim first on PATH logs each call, then runs the real sbatch.
  const real = (await execa("bash", ["-c", "command -v sbatch"])).stdout.trim();
  fs.mkdirSync(shims);
  fs.writeFileSync(path.join(shims, "sbatch"), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(sbatchLog)}\nexec ${real} "$@"\n`, { mode: 0o755 });
});

afterAll(async () => {
  // Leave the cluster idle: cancel whatever a failed test left queued.
  for (const dir of fs.readdirSync(tmp)) {
    if (fs.existsSync(path.join(tmp, dir, "bundle", "jobs.tsv"))) await pipe("cancel", path.join(tmp, dir, "bundle"));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

function needSlurm(ctx: TestContext): void {
  if (!slurm) ctx.skip();
}

const env = () => ({ PATH: `${shims}:${process.env["PATH"]}` });

async function pipe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo(tmp, env());
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The sbatch calls since the last call of this function. */
function sbatchCalls(): string[] {
  const calls = fs.existsSync(sbatchLog) ? fs.readFileSync(sbatchLog, "utf8").split("\n").filter(Boolean) : [];
  fs.rmSync(sbatchLog, { force: true });
  return calls;
}

const project = (source: string, name: string) => slurmProject(tmp, source, name);
const records = jobRecords;
const settle = (bundle: string, seconds = 90) => settleJobs(bundle, seconds, env());
const outputs = storedOutputs;

async function statusOf(bundle: string): Promise<{ code: number; states: Map<string, string> }> {
  const r = await pipe("status", bundle, "--json");
  const json = JSON.parse(r.out) as { tasks: { task: string; status: string }[] };
  return { code: r.code, states: new Map(json.tasks.map((t) => [t.task, t.status])) };
}

describe("a bundle on a real Slurm", () => {
  it("runs example 3: the six train tasks as one job array, pick after it, outputs as a local run", async (ctx) => {
    needSlurm(ctx);
    const p = project(path.join(root, "examples/sweep"), "sweep");
    expect((await pipe("emit", "slurm", path.join(p.proj, "main.pipe"), "-o", p.bundle)).code).toBe(0);
    sbatchCalls();

    const submitted = await pipe("submit", p.bundle);
    expect(submitted.code, submitted.err).toBe(0);
    const calls = sbatchCalls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(/--array=0-5 jobs\/runs\.sh$/);
    const rows = records(p.bundle);
    const trainJobs = new Set(rows.filter((r) => r[1] === "runs").map((r) => r[2]));
    expect(trainJobs.size).toBe(1);
    expect(rows.filter((r) => r[1] === "runs").map((r) => r[3])).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(calls[1]).toContain(`--dependency=afterok:${[...trainJobs][0]}`);

    await settle(p.bundle);
    const status = await statusOf(p.bundle);
    expect(status.code).toBe(0);
    expect([...status.states.values()]).toEqual(Array(7).fill("done"));

    // The same plan run locally into another store gives the same outputs.
    fs.writeFileSync(path.join(p.dir, "local.json"), JSON.stringify({ store: path.join(p.dir, "local-store") }));
    expect((await pipe("run", path.join(p.proj, "main.pipe"), "--config", path.join(p.dir, "local.json"), "--quiet")).code).toBe(0);
    const plan = bundlePlan(p.bundle);
    expect(outputs(plan, p.store)).toEqual(outputs(plan, path.join(p.dir, "local-store")));
    expect(outputs(plan, p.store)["main/p"]).toEqual({ best: "0.1\n" });

    const logs = recordingIo(tmp);
    expect(bundleLogsCommand(p.bundle, "main/runs[lr=0.01,epochs=2]", logs)).toBe(0);
    expect(logs.stdout()).toContain("pipe: task main/runs[lr=0.01,epochs=2] (jobs/runs.sh 3)");

    // Everything cached: nothing is submitted.
    const again = await pipe("submit", p.bundle);
    expect(again.code).toBe(0);
    expect(sbatchCalls()).toEqual([]);
    expect(again.out).toContain("submitted 0 jobs (0 tasks); 7 tasks already in the store");
    expect(records(p.bundle)).toEqual(rows);
  });

  it("runs example 5: structured outputs checked and projected on the compute node; a local run then finds everything cached and prints best = 0.9", async (ctx) => {
    needSlurm(ctx);
    const p = project(path.join(root, "examples/structured"), "structured");
    expect((await pipe("emit", "slurm", path.join(p.proj, "main.pipe"), "-o", p.bundle)).code).toBe(0);
    expect(fs.readFileSync(path.join(p.bundle, "README.md"), "utf8")).toContain("run for: structured outputs (lists and records).");
    expect(fs.readFileSync(path.join(p.bundle, "bundle.env"), "utf8")).toContain(`PIPE_HOME=${root}`);
    const submitted = await pipe("submit", p.bundle);
    expect(submitted.code, submitted.err).toBe(0);
    await settle(p.bundle);
    const status = await statusOf(p.bundle);
    expect(status.code).toBe(0);
    expect([...status.states.values()]).toEqual(Array(4).fill("done"));
    const plan = bundlePlan(p.bundle);
    expect(outputs(plan, p.store)["main/evals[lr=0.9]"]).toEqual({ metrics: '{"acc": 0.9, "loss": 0.5}' });
    expect(outputs(plan, p.store)["main/t"]).toEqual({ best: "0.9\n" });

    const local = await pipe("run", path.join(p.proj, "main.pipe"));
    expect(local.code, local.err).toBe(0);
    expect(local.out).toBe("best = 0.9\n");
    expect(local.err).toContain("4 tasks: 0 to run, 4 cached");
  });

  it("cancels the dependents of a failed task, then resubmits only the failed task and its dependents", async (ctx) => {
    needSlurm(ctx);
    const p = project(path.join(root, "test/fixtures/slurm/chain"), "chain");
    fs.writeFileSync(path.join(p.proj, "fail-0.01-2"), "");
    expect((await pipe("emit", "slurm", path.join(p.proj, "main.pipe"), "-o", p.bundle)).code).toBe(0);
    sbatchCalls();
    expect((await pipe("submit", p.bundle)).code).toBe(0);
    const calls = sbatchCalls();
    expect(calls).toHaveLength(3);
    expect(calls[1]).toMatch(/--dependency=aftercorr:\d+ .*--array=0-5 jobs\/evals\.sh$/);

    await settle(p.bundle);
    const failed = "main/runs[lr=0.01,epochs=2]"; // array index 3, as its evaluation's
    const read = readBundle(p.bundle);
    if (!read.ok) throw new Error(read.error);
    const bundle = read.value;
    const failedEval = bundle.jobs.find((j) => j.name === "evals")!.tasks[3]!.id;
    const first = await statusOf(p.bundle);
    expect(first.code).toBe(1);
    expect(first.states.get(failed)).toBe("failed");
    expect(first.states.get(failedEval)).toBe("cancelled");
    expect(first.states.get("main/p")).toBe("cancelled");
    expect([...first.states.values()].filter((s) => s === "done")).toHaveLength(10);
    const logs = recordingIo(tmp);
    expect(bundleLogsCommand(p.bundle, failed, logs)).toBe(0);
    expect(logs.stdout()).toContain("failing on purpose");

    // The cause fixed, a second submit runs only the failed task and its dependents.
    fs.rmSync(path.join(p.proj, "fail-0.01-2"));
    const before = records(p.bundle).length;
    const second = await pipe("submit", p.bundle);
    expect(second.code, second.err).toBe(0);
    const resubmitted = sbatchCalls();
    expect(resubmitted).toHaveLength(3);
    expect(resubmitted[0]).toMatch(/--array=3 jobs\/runs\.sh$/);
    expect(resubmitted[1]).toMatch(/--dependency=aftercorr:\d+ .*--array=3 jobs\/evals\.sh$/);
    expect(records(p.bundle).slice(before).map((r) => r[0])).toEqual([failed, failedEval, "main/p"]);
    await settle(p.bundle);
    const second2 = await statusOf(p.bundle);
    expect(second2.code).toBe(0);
    expect([...second2.states.values()].every((s) => s === "done")).toBe(true);

    expect((await pipe("submit", p.bundle)).out).toContain("submitted 0 jobs");
    expect(sbatchCalls()).toEqual([]);
  });

  it("refuses a bundle whose uses script changed; submitted anyway, its tasks fail naming the file and store nothing", async (ctx) => {
    needSlurm(ctx);
    const p = project(path.join(root, "test/fixtures/slurm/inputs"), "inputs");
    expect((await pipe("emit", "slurm", path.join(p.proj, "main.pipe"), "-o", p.bundle)).code).toBe(0);
    sbatchCalls();
    fs.writeFileSync(path.join(p.proj, "scripts/step.sh"), 'echo "v2 $2"\n');

    const refused = await execa("bash", [path.join(p.bundle, "submit.sh")], { reject: false, env: env() });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/^pipe: scripts\/step\.sh changed since the plan was made \(sha256 [0-9a-f]{8}…, the key has [0-9a-f]{8}…\): emit the bundle again$/m);
    expect(sbatchCalls()).toEqual([]);

    const submitted = await pipe("submit", p.bundle, "--ignore-changes");
    expect(submitted.code, submitted.err).toBe(0);
    expect(sbatchCalls()).toHaveLength(1);
    await settle(p.bundle);
    const status = await statusOf(p.bundle);
    expect([...status.states.values()]).toEqual(["failed", "failed", "failed"]);
    expect(fs.readdirSync(p.store).filter((f) => !f.startsWith("."))).toEqual([]);
    const logs = recordingIo(tmp);
    expect(bundleLogsCommand(p.bundle, "main/s[i=2]", logs)).toBe(0);
    expect(logs.stdout()).toMatch(/pipe: main\/s\[i=2\]: scripts\/step\.sh changed since the plan was made .*: emit the bundle again/);
    expect(logs.stdout()).not.toContain("retrying");

    // The edited program, planned again, computes its own results.
    const again = await pipe("run", path.join(p.proj, "main.pipe"));
    expect(again.code, again.err).toBe(0);
    expect(again.out).toBe("xs = [v2 1, v2 2, v2 3]\n");
  });

  it("does not submit jobs still queued or running a second time, and cancels them", async (ctx) => {
    needSlurm(ctx);
    const p = project(path.join(root, "test/fixtures/slurm/slow"), "slow");
    expect((await pipe("emit", "slurm", path.join(p.proj, "main.pipe"), "-o", p.bundle)).code).toBe(0);
    sbatchCalls();
    expect((await pipe("submit", p.bundle)).code).toBe(0);
    expect(sbatchCalls()).toHaveLength(2);

    const again = await pipe("submit", p.bundle);
    expect(sbatchCalls()).toEqual([]);
    expect(again.out).toMatch(/waits: still queued or running as job \d+/);
    expect(again.out).toMatch(/t: still queued or running as job \d+/);
    const running = await statusOf(p.bundle);
    expect(running.code).toBe(0);
    expect([...running.states.values()].every((s) => s === "pending" || s === "running")).toBe(true);

    expect((await pipe("cancel", p.bundle)).code).toBe(0);
    await settle(p.bundle, 30);
    const cancelled = await statusOf(p.bundle);
    expect(cancelled.code).toBe(1);
    expect([...cancelled.states.values()]).toEqual(Array(4).fill("cancelled"));
  });
});
