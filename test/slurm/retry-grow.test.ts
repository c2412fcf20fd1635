// Retrying bigger on a real Slurm (test/slurm/start-slurm.sh): each retry is a job submitted
// up front with its attempt's --mem/--time and `afternotok` on the attempts before it, so
// that a task needing four times its memory succeeds on its third attempt, a task killed at
// its time limit (TIMEOUT) succeeds with a longer one, a retry that is not needed is
// cancelled by Slurm without running, and the dependents wait on whichever attempt succeeds.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { ACTIVE_STATES, queueStates } from "../../src/backends/slurm/queue.js";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { render } from "../report/browser.js";
import { bundlePlan, jobRecords, startTestSlurm } from "./cluster.js";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-slurm-grow-"));
let slurm = false;

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm retry tests");
});

afterAll(async () => {
  const bundle = path.join(tmp, "bundle");
  if (fs.existsSync(path.join(bundle, "jobs.tsv"))) await pipe("cancel", bundle);
  fs.rmSync(tmp, { recursive: true, force: true });
});

function needSlurm(ctx: TestContext): void {
  if (!slurm) ctx.skip();
}

async function pipe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return pipeWith({}, ...args);
}

async function pipeWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo(tmp, env);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const records = jobRecords;

async function settle(ids: string[], seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const { states, error } = await queueStates(ids, {});
    expect(error).toBeUndefined();
    const active = [...states].filter(([, q]) => ACTIVE_STATES.has(q.state));
    if (active.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still queued or running after ${seconds}s: ${active.map(([id, q]) => `${id} ${q.state} ${q.reason}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Each job's final state, from sacct (accounting is on in the test Slurm). */
async function sacctStates(ids: string[]): Promise<Map<string, { state: string; reqMem: string; limit: string }>> {
  const r = await execa("sacct", ["-n", "-X", "-P", "-j", ids.join(","), "-o", "JobID,State,ReqMem,Timelimit"]);
  return new Map(
    r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split("|"))
      .map(([id, state, reqMem, limit]) => [id!, { state: state!.split(" ")[0]!, reqMem: reqMem!, limit: limit! }]),
  );
}

describe("retry bigger on a real Slurm", () => {
  it("grows memory and time per attempt, cancels retries not needed, and dependents wait on the attempt that succeeds", { timeout: 400_000 }, async (ctx) => {
    needSlurm(ctx);
    const proj = path.join(tmp, "proj");
    const bundle = path.join(tmp, "bundle");
    fs.cpSync(path.join(root, "test/fixtures/slurm/grow"), proj, { recursive: true });
    fs.writeFileSync(path.join(proj, "pipe.config.json"), JSON.stringify({ store: "../store", slurm: { extraArgs: ["--oversubscribe"] } }));
    expect((await pipe("emit", "slurm", path.join(proj, "main.pipe"), "-o", bundle)).code).toBe(0);
    const n3 = fs.readFileSync(path.join(bundle, "jobs/n-try3.sh"), "utf8");
    expect(n3).toContain("#SBATCH --mem=256M\n");
    expect(n3).toContain("export PIPE_ATTEMPT=3 PIPE_CPUS=1 PIPE_MEM_MB=256 PIPE_TIME_S=300\n");
    expect(fs.readFileSync(path.join(bundle, "jobs/s-try2.sh"), "utf8")).toContain("#SBATCH --time=00:03:00\n");

    const submitted = await pipe("submit", bundle);
    expect(submitted.code, submitted.err).toBe(0);
    expect(submitted.out).toMatch(/n-try3: submitted job \d+ \(1 of 1 tasks, after afternotok:\d+ afternotok:\d+\)/);
    const rows = records(bundle);
    const jobOf = new Map(rows.map((r) => [r[1]!, r[2]!]));
    const joins = [...submitted.out.matchAll(/^(\w+-ok): submitted job (\d+)/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(joins.map(([name]) => name)).toEqual(["n-ok", "q-ok", "s-ok"]);
    const ids = [...jobOf.values(), ...joins.map(([, id]) => id)];
    await settle(ids, 300);

    const states = await sacctStates(ids);
    const state = (name: string) => states.get(jobOf.get(name)!)!.state;
    expect(["n", "n-try2", "n-try3", "n-try4"].map(state)).toEqual(["FAILED", "FAILED", "COMPLETED", "CANCELLED"]);
    expect(["n", "n-try2", "n-try3", "n-try4"].map((j) => states.get(jobOf.get(j)!)!.reqMem)).toEqual(["64M", "128M", "256M", "512M"]);
    expect(["q", "q-try2", "q-try3", "q-try4"].map(state)).toEqual(["COMPLETED", "CANCELLED", "CANCELLED", "CANCELLED"]);
    expect(["s", "s-try2"].map(state)).toEqual(["TIMEOUT", "COMPLETED"]);
    expect(states.get(jobOf.get("s-try2")!)!.limit).toBe("00:03:00");
    expect(state("b")).toBe("COMPLETED");
    // A cancelled retry never ran: it left no log.
    expect(fs.readdirSync(path.join(bundle, "logs")).filter((f) => f.startsWith("n-try4_") || f.startsWith("q-try2_"))).toEqual([]);

    const plan = bundlePlan(bundle);
    const value = (id: string, out: string) => fs.readFileSync(path.join(tmp, "store", plan.tasks.find((t) => t.id === id)!.key, out), "utf8").trim();
    expect(value("main/n", "attempt")).toBe("3");
    expect(value("main/b", "total")).toBe("312");
    const status = await pipe("status", bundle, "--json");
    expect((JSON.parse(status.out) as { tasks: { status: string }[] }).tasks.map((t) => t.status)).toEqual(["done", "done", "done", "done"]);
  });

  it("reports the bundle in HTML: a bar per attempt that ran, from sacct, and from the job logs without accounting", { timeout: 120_000 }, async (ctx) => {
    needSlurm(ctx);
    const bundle = path.join(tmp, "bundle");
    if (!fs.existsSync(path.join(bundle, "jobs.tsv"))) throw new Error("the bundle of the test before is missing");
    const r = await pipe("report", bundle);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`wrote ${path.join(bundle, "report.html")} (Slurm bundle ${bundle}: 4 tasks, 7 attempts)\n`);
    const page = await render(path.join(bundle, "report.html"), "slurm-bundle");
    expect(page.errors).toEqual([]);
    const bars = page.bars.map((b) => `${b.task} ${b.attempt} ${b.state}`);
    // The retries Slurm cancelled never ran: no bar.
    expect(bars).toEqual(["main/n 1 failed", "main/n 2 failed", "main/n 3 done", "main/q 1 done", "main/s 1 timeout", "main/s 2 done", "main/b 1 done"]);
    expect(page.text).toContain("Slurm accounting (sacct: elapsed, MaxRSS, state)");
    expect(page.text).toMatch(/main\/s\s+slow\s+1\s+timeout\s+1 min \d+ s/);
    expect(fs.statSync(page.screenshot).size).toBeGreaterThan(5_000);

    // Without accounting: the job logs say when each attempt started, the store which
    // succeeded, and squeue (which still knows these jobs) how the others ended.
    const shims = path.join(tmp, "no-sacct");
    fs.mkdirSync(shims, { recursive: true });
    fs.writeFileSync(path.join(shims, "sacct"), "#!/bin/sh\necho 'sacct: error: Slurm accounting storage is disabled' >&2\nexit 1\n", { mode: 0o755 });
    const out = path.join(tmp, "no-sacct.html");
    const plain = await pipeWith({ PATH: `${shims}:${process.env["PATH"]}` }, "report", bundle, "-o", out);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.err).toContain("note: no accounting (sacct: sacct: error: Slurm accounting storage is disabled)");
    const fallback = await render(out, "slurm-bundle-no-accounting");
    expect(fallback.errors).toEqual([]);
    expect(fallback.bars.map((b) => `${b.task} ${b.attempt} ${b.state}`)).toEqual(["main/n 1 failed", "main/n 2 failed", "main/n 3 done", "main/q 1 done", "main/s 1 timeout", "main/s 2 done", "main/b 1 done"]);
  });
});
