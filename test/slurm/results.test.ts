// Results of a bundle run on the real single-node Slurm (test/slurm/start-slurm.sh): they
// land in the store the plan names, so `pipe find` with a float filter finds exactly its
// tasks and files, `pipe run` finds everything cached, `pipe outputs` shows an edited
// argument's output as missing, and `--link` makes one folder per task. `pipe gc` after a
// change of the sweep deletes exactly the entries no plan references while another bundle's
// jobs, queued and running on the same store, need theirs: those finish correctly.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { ACTIVE_STATES, queueStates } from "../../src/backends/slurm/queue.js";
import { run } from "../../src/cli/index.js";
import type { Plan } from "../../src/plan/plan.js";
import { recordingIo } from "../helpers.js";
import { SWEEP } from "../results/sweep.js";
import { jobRecords, settle as settleJobs, startTestSlurm } from "./cluster.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-slurm-results-"));
const proj = path.join(tmp, "proj");
const store = path.join(tmp, "store");
let slurm = false;

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm results tests");
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, "main.pipe"), SWEEP);
  fs.writeFileSync(path.join(proj, "raw.txt"), "b\na\n");
  fs.writeFileSync(path.join(proj, "pipe.config.json"), JSON.stringify({ store: "../store", slurm: { extraArgs: ["--oversubscribe"] } }));
});

afterAll(async () => {
  for (const b of ["bundle", "other-bundle"]) if (fs.existsSync(path.join(tmp, b, "jobs.tsv"))) await pipe("cancel", path.join(tmp, b));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function needSlurm(ctx: TestContext): void {
  if (!slurm) ctx.skip();
}

async function pipe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo(proj);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

async function planOf(file: string): Promise<Plan> {
  const r = await pipe("plan", file, "--plan-only");
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Plan;
}

const jobIds = (bundle: string) => [...new Set(jobRecords(bundle).map((r) => r[2]!))];
const settle = (bundle: string, seconds = 240) => settleJobs(bundle, seconds);

const entries = () => fs.readdirSync(store).filter((n) => !n.startsWith(".")).sort();

describe("results of a Slurm bundle", () => {
  it("find with a float filter, pipe run cached, outputs missing after an edit, one link folder per task", async (ctx) => {
    needSlurm(ctx);
    const bundle = path.join(tmp, "bundle");
    expect((await pipe("emit", "slurm", "main.pipe", "-o", bundle)).code).toBe(0);
    const submitted = await pipe("submit", bundle);
    expect(submitted.code, submitted.err).toBe(0);
    await settle(bundle);
    const status = await pipe("status", bundle);
    expect(status.out).toMatch(/^JOB +SLURM JOB +TASKS +STATUS\n/);
    expect(status.out).toContain("8 tasks: 8 done");
    // The bundle's needs file is dropped by the next collection once its jobs are over.
    expect(fs.readdirSync(path.join(store, ".needs")).filter((n) => n.startsWith("needs."))).toHaveLength(1);

    const plan = await planOf("main.pipe");
    const found = await pipe("find", "main.pipe", "--where", "lr=1e-3", "--json");
    expect(found.code, found.err).toBe(0);
    const tasks = JSON.parse(found.out).tasks as { id: string; key: string; inStore: boolean; outputs: { name: string; path: string; value?: string }[] }[];
    expect(tasks.map((t) => [t.id, t.inStore])).toEqual([
      ["main/runs[lr=0.001,seed=1]", true],
      ["main/runs[lr=0.001,seed=2]", true],
    ]);
    for (const t of tasks) {
      expect(t.key).toBe(plan.tasks.find((p) => p.id === t.id)!.key);
      expect(fs.readFileSync(t.outputs.find((o) => o.name === "model")!.path, "utf8")).toMatch(/^model lr=0\.001 seed=[12] opt=adam\n$/);
      expect(t.outputs.find((o) => o.name === "score")!.value).toBe("0.001");
    }
    const local = await pipe("run", "main.pipe", "--json");
    expect(local.out.split("\n")[0]).toContain('"total":8,"toRun":0,"cached":8');

    expect((await pipe("outputs", "main.pipe")).out.split("\n")[0]).toBe("best   = 0.1");
    const links = await pipe("outputs", "main.pipe", "--link", "results");
    expect(links.err).toContain("results: 8 task folders; 14 links added");
    const runs = fs.readdirSync(path.join(proj, "results", "runs")).sort();
    expect(runs).toEqual(["lr=0.001,seed=1", "lr=0.001,seed=2", "lr=0.01,seed=1", "lr=0.01,seed=2", "lr=0.1,seed=1", "lr=0.1,seed=2"]);
    expect(fs.readFileSync(path.join(proj, "results", "runs", "lr=0.01,seed=2", "model"), "utf8")).toBe("model lr=0.01 seed=2 opt=adam\n");

    fs.writeFileSync(path.join(proj, "main.pipe"), SWEEP.replace("seed = seed)", "seed = seed, opt = \"sgd\")"));
    const edited = JSON.parse((await pipe("outputs", "main.pipe", "--json")).out).outputs as { name: string; state: string }[];
    expect(edited.map((o) => [o.name, o.state])).toEqual([["best", "missing"], ["models", "missing"], ["data", "cached"]]);
    fs.writeFileSync(path.join(proj, "main.pipe"), SWEEP);
  });

  it("gc after a change of the sweep deletes exactly what no plan references while another bundle's jobs run on the store", async (ctx) => {
    needSlurm(ctx);
    fs.writeFileSync(
      path.join(proj, "other.pipe"),
      `action up(n: Int) -> (x: File) { shell "seq ~{n} > ~{out.x}" }
action slow(x: File, i: Int) -> (y: Int) { shell "sleep 4; echo $(( $(wc -l < ~{x}) + ~{i} )) > ~{out.y}" }
action sum(ys: List[Int]) -> (total: Int) { shell "echo $(( $(printf '%s+' ~{ys})0 )) > ~{out.total}" }
pipeline main() -> (total: Int) {
  let u = up(n = 10)
  let s = for i in [1, 2, 3, 4] { slow(x = u.x, i = i) }
  let t = sum(ys = s.y)
  return (total = t.total)
}
`,
    );
    const other = await planOf("other.pipe");
    const otherBundle = path.join(tmp, "other-bundle");
    expect((await pipe("emit", "slurm", "other.pipe", "-o", otherBundle)).code).toBe(0);
    const old = await planOf("main.pipe");
    expect((await pipe("submit", otherBundle)).code).toBe(0);
    // Wait for `up` in the store: the slow jobs that read it are then queued or running.
    const upKey = other.tasks.find((t) => t.id === "main/u")!.key;
    for (let i = 0; i < 1200 && !fs.existsSync(path.join(store, upKey, "meta.json")); i++) await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(path.join(store, upKey, "meta.json"))).toBe(true);

    fs.writeFileSync(path.join(proj, "main.pipe"), SWEEP.replace("[1e-3, 0.01, 0.1]", "[1e-3, 0.01]"));
    const now = await planOf("main.pipe");
    const nowKeys = new Set(now.tasks.map((t) => t.key));
    const garbage = old.tasks.filter((t) => !nowKeys.has(t.key)).map((t) => t.key).sort();
    expect(garbage).toHaveLength(3); // the two lr=0.1 trains and pick
    const gc = await pipe("gc", "main.pipe");
    expect(gc.code, gc.err).toBe(0);
    const { states } = await queueStates(jobIds(otherBundle), process.env);
    const stillActive = [...states].some(([, q]) => ACTIVE_STATES.has(q.state));
    expect(stillActive, "the other bundle's jobs were still queued or running during gc").toBe(true);
    expect(gc.out).toContain(`deleted ${garbage.length} entries`);
    for (const key of garbage) expect(gc.out).toContain(key);
    expect(gc.out).toMatch(/no plan references kept: running work needs (it|them)/);

    await settle(otherBundle);
    const left = entries();
    for (const key of garbage) expect(left).not.toContain(key);
    for (const t of other.tasks) expect(left, t.id).toContain(t.key);
    expect(fs.readFileSync(path.join(store, other.tasks.find((t) => t.id === "main/t")!.key, "total"), "utf8").trim()).toBe(String(4 * 10 + 10));
    for (const t of old.tasks) if (nowKeys.has(t.key)) expect(left, t.id).toContain(t.key);
    // Its jobs over, the other bundle's entries are garbage to a gc that names only main.pipe.
    const after = await pipe("gc", "main.pipe");
    expect(after.out).toContain(`deleted ${other.tasks.length} entries`);
    expect(fs.readdirSync(path.join(store, ".needs")).filter((n) => n.startsWith("needs."))).toEqual([]);
    fs.writeFileSync(path.join(proj, "main.pipe"), SWEEP);
  });
});
