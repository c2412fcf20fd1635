// Ids that follow the sweep on a real Slurm: normative example 7's evaluations are
// main/scores[lr=0.1] and main/scores[lr=0.2] in the bundle, in `pipe status`, in
// jobs.tsv and in the store's records; a local run then finds everything cached. Skips
// without a Slurm unless PIPE_REQUIRE_SLURM is set (test/slurm/cluster.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIVE_STATES, queueStates } from "../../src/backends/slurm/queue.js";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { bundlePlan, startTestSlurm } from "./cluster.js";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-slurm-ids-"));
let slurm = false;

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm id tests");
});

afterAll(async () => {
  if (fs.existsSync(path.join(tmp, "bundle", "jobs.tsv"))) await pipe("cancel", path.join(tmp, "bundle"));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function pipe(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo(tmp);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("example 7 on a real Slurm", () => {
  it("names the evaluations by the sweep's labels, and a local run then finds everything cached", async (ctx) => {
    if (!slurm) ctx.skip();
    const proj = path.join(tmp, "proj");
    const bundle = path.join(tmp, "bundle");
    fs.cpSync(path.join(root, "examples", "sweep-ids"), proj, { recursive: true, filter: (src) => path.basename(src) !== ".pipe" });
    fs.writeFileSync(path.join(proj, "pipe.config.json"), JSON.stringify({ store: "../store", slurm: { extraArgs: ["--oversubscribe"] } }));
    const emitted = await pipe("emit", "slurm", path.join(proj, "main.pipe"), "-o", bundle);
    expect(emitted.code, emitted.err).toBe(0);
    const plan = bundlePlan(bundle);
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/runs[lr=0.1]", "main/runs[lr=0.2]", "main/scores[lr=0.1]", "main/scores[lr=0.2]"]);

    const submitted = await pipe("submit", bundle);
    expect(submitted.code, submitted.err).toBe(0);
    const rows = fs.readFileSync(path.join(bundle, "jobs.tsv"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
    const jobs = [...new Set(rows.map((l) => l.split("\t")[2]!))];
    for (const deadline = Date.now() + 120_000; ; ) {
      const { states, error } = await queueStates(jobs, {});
      expect(error).toBeUndefined();
      if (![...states.values()].some((q) => ACTIVE_STATES.has(q.state))) break;
      if (Date.now() > deadline) throw new Error("the bundle's jobs are still queued or running");
      await new Promise((r) => setTimeout(r, 500));
    }
    const status = JSON.parse((await pipe("status", bundle, "--json")).out) as { tasks: { task: string; status: string }[] };
    expect(status.tasks.map((t) => [t.task, t.status])).toEqual(plan.tasks.map((t) => [t.id, "done"]));
    for (const t of plan.tasks.filter((x) => x.id.startsWith("main/scores["))) {
      const meta = JSON.parse(fs.readFileSync(path.join(tmp, "store", t.key, "meta.json"), "utf8")) as { task: string };
      expect(meta.task).toBe(t.id);
      expect(fs.readFileSync(path.join(tmp, "store", t.key, "s"), "utf8")).toBe(`${t.id.slice("main/scores[lr=".length, -1)}\n`);
    }

    const local = await pipe("run", path.join(proj, "main.pipe"));
    expect(local.code, local.err).toBe(0);
    expect(local.out).toBe("all = [0.1, 0.2]\n");
    expect(local.err).toContain("4 tasks: 0 to run, 4 cached");
  });
});
