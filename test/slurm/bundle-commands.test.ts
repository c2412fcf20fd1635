// What `pipe submit/status/logs/cancel DIR` print and exit with, message for message, with
// stand-ins for sbatch, squeue and scancel (so that no Slurm is needed): a bundle that is
// not one, a changed input, a failing squeue or scancel, each state a task can be in, every
// way `pipe logs DIR TASK` can miss its log, and the status table and JSON.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BundleTaskStatus } from "../../src/backends/slurm/index.js";
import { statusExitCode, statusTable } from "../../src/cli/bundle-status.js";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { bundlePlan } from "./cluster.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const MAIN = `
action make(i: Int) -> (o: File) {
  uses "step.sh"
  shell "bash step.sh ~{i} > ~{out.o}"
}
action gather(fs: List[File]) -> (o: File) { shell "cat ~{fs} > ~{out.o}" }
pipeline main() {
  let m = for i in [1, 2, 3] { make(i = i) }
  let _g = gather(fs = m.o)
}
`;

let dir: string;
let bin: string;

async function pipe(args: string[], env: Record<string, string> = {}) {
  const io = recordingIo(dir, env);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** PATH with stand-ins: sbatch prints the next job id from 100; squeue prints `squeue.out` or fails with `squeue.err`; scancel fails with `scancel.err`. */
function fakeSlurm(): Record<string, string> {
  return { PATH: `${bin}:${process.env["PATH"]}` };
}

function stub(name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
}

beforeAll(() => {
  dir = project({ "main.pipe": MAIN, "step.sh": 'echo "v1 $1"\n', "pipe.config.json": JSON.stringify({ store: "store" }) });
  bin = path.join(dir, "fake-slurm");
  fs.mkdirSync(bin);
  stub("sbatch", 'n=$(cat "$(dirname "$0")/n" 2>/dev/null || echo 99); echo $((n + 1)) > "$(dirname "$0")/n"; echo $((n + 1))');
  stub("squeue", 'f="$(dirname "$0")"; if [ -f "$f/squeue.err" ]; then cat "$f/squeue.err" >&2; exit 1; fi; cat "$f/squeue.out" 2>/dev/null || true');
  stub("scancel", 'f="$(dirname "$0")"; echo "$*" > "$f/scancel.args"; if [ -f "$f/scancel.err" ]; then cat "$f/scancel.err" >&2; exit 1; fi');
});

describe("a directory that is not a bundle", () => {
  it("is refused by every bundle command with exit 2", async () => {
    fs.mkdirSync(path.join(dir, "empty"));
    const expected = `pipe: ${path.join(dir, "empty")} is not a pipe bundle (no bundle.json); write one with \`pipe emit slurm FILE -o ${path.join(dir, "empty")}\`\n`;
    for (const args of [["submit", "empty"], ["status", "empty"], ["cancel", "empty"]]) {
      expect(await pipe(args, fakeSlurm())).toEqual({ code: 2, out: "", err: expected });
    }
  });

  it("a bundle without bundle.env: status says so with exit 2", async () => {
    expect((await pipe(["emit", "slurm", "main.pipe", "-o", "noenv"])).code).toBe(0);
    fs.rmSync(path.join(dir, "noenv", "bundle.env"));
    const r = await pipe(["status", "noenv"], fakeSlurm());
    expect(r.code).toBe(2);
    expect(r.err).toBe(`pipe: ${path.join(dir, "noenv", "bundle.env")} does not exist\n`);
  });
});

describe("a bundle through its life", () => {
  const bundle = () => path.join(dir, "b");

  it("before submit: every task is not submitted; logs and cancel say why there is nothing", async () => {
    expect((await pipe(["emit", "slurm", "main.pipe", "-o", "b"])).code).toBe(0);
    const status = await pipe(["status", "b"], fakeSlurm());
    expect(status).toEqual({
      code: 0,
      out: ["JOB  SLURM JOB  TASKS  STATUS", "m    -              3  3 not submitted", "_g   -              1  1 not submitted", "", "  not submitted -  main/m[i=1]", "  not submitted -  main/m[i=2]", "  not submitted -  main/m[i=3]", "  not submitted -  main/_g", "4 tasks: 4 not submitted", ""].join("\n"),
      err: "",
    });
    expect(await pipe(["cancel", "b"], fakeSlurm())).toEqual({ code: 0, out: "", err: "pipe: nothing was submitted from this bundle\n" });
    expect(await pipe(["logs", "b", "main/_g"])).toEqual({ code: 1, out: "", err: "pipe: main/_g was not submitted from this bundle (its result was in the store, or submit.sh has not run)\n" });
  });

  it("logs: a task that is not there, or a pattern that names several, exit 2", async () => {
    expect(await pipe(["logs", "b", "main/nope"])).toEqual({ code: 2, out: "", err: 'pipe: no task "main/nope" in this bundle\n' });
    expect(await pipe(["logs", "b", "main/m*"])).toEqual({ code: 2, out: "", err: 'pipe: "main/m*" matches 3 tasks (main/m[i=1], main/m[i=2], main/m[i=3]); name one\n' });
  });

  it("submit refuses a changed uses file with exit 2, naming it and the way past", async () => {
    fs.writeFileSync(path.join(dir, "step.sh"), 'echo "v2 $1"\n');
    const r = await pipe(["submit", "b"], fakeSlurm());
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const lines = r.err.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^pipe: step\.sh changed since the plan was made \(sha256 [0-9a-f]{8}…, the key has [0-9a-f]{8}…\): emit the bundle again$/);
    expect(lines[1]).toBe(
      "pipe: nothing was submitted: 1 file changed since the bundle was written; emit it again, or submit anyway with: pipe submit b --ignore-changes (each task still checks its files when it runs, and stores nothing when one changed)",
    );
    expect(fs.existsSync(path.join(bundle(), "jobs.tsv"))).toBe(false);
    fs.writeFileSync(path.join(dir, "step.sh"), 'echo "v1 $1"\n');
  });

  it("submit runs submit.sh and passes on what it prints", async () => {
    const r = await pipe(["submit", "b"], fakeSlurm());
    expect(r).toEqual({
      code: 0,
      out: ["m: submitted job 100 (3 of 3 tasks)", "_g: submitted job 101 (1 of 1 tasks, after afterok:100)", "submitted 2 jobs (4 tasks); 0 tasks already in the store", ""].join("\n"),
      err: "",
    });
  });

  it("status: pending, running, failed, cancelled and gone, as a table and as JSON; exit 1 when one failed or was cancelled", async () => {
    fs.writeFileSync(path.join(bin, "squeue.out"), ["100_0|RUNNING|None", "100_1|FAILED|NonZeroExitCode", "100_2|CANCELLED|None", ""].join("\n"));
    const table = await pipe(["status", "b"], fakeSlurm());
    expect(table).toEqual({
      code: 1,
      out: [
        "JOB  SLURM JOB  TASKS  STATUS",
        "m    100            3  1 running, 1 failed, 1 cancelled",
        "_g   101            1  1 failed",
        "",
        "  running       100_0  main/m[i=1]",
        "  failed        100_1  main/m[i=2]  (FAILED NonZeroExitCode)",
        "  cancelled     100_2  main/m[i=3]",
        "  failed        101    main/_g  (job 101 is gone from Slurm and left no result)",
        "4 tasks: 1 running, 2 failed, 1 cancelled",
        "",
      ].join("\n"),
      err: "",
    });
    fs.writeFileSync(path.join(bin, "squeue.out"), ["100_0|COMPLETED|None", "100_1|PENDING|Resources", "100_2|TIMEOUT|None", "101|PENDING|Dependency", ""].join("\n"));
    const json = await pipe(["status", "b", "--json"], fakeSlurm());
    expect(json.code).toBe(1);
    expect(json.err).toBe("");
    expect(JSON.parse(json.out)).toEqual({
      summary: { pending: 2, failed: 2 },
      tasks: [
        { task: "main/m[i=1]", job: "m", slurmId: "100_0", status: "failed", detail: "the job completed but its result is not in the store" },
        { task: "main/m[i=2]", job: "m", slurmId: "100_1", status: "pending", detail: "Resources" },
        { task: "main/m[i=3]", job: "m", slurmId: "100_2", status: "failed", detail: "TIMEOUT" },
        { task: "main/_g", job: "_g", slurmId: "101", status: "pending", detail: "Dependency" },
      ],
    });
    // The same bytes: keys in this order, one space of indentation.
    const parsed = JSON.parse(json.out) as { tasks: object[] };
    expect([Object.keys(parsed), Object.keys(parsed.tasks[0]!)]).toEqual([["summary", "tasks"], ["task", "job", "slurmId", "status", "detail"]]);
    expect(json.out).toBe(JSON.stringify(parsed, null, 1) + "\n");
  });

  it("status: a result in the store is done whatever Slurm says; a failing squeue is a warning", async () => {
    const plan = bundlePlan(bundle());
    const key = plan.tasks.find((t) => t.id === "main/m[i=1]")!.key;
    fs.mkdirSync(path.join(dir, "store", key), { recursive: true });
    fs.writeFileSync(path.join(dir, "store", key, "meta.json"), "{}");
    fs.writeFileSync(path.join(bin, "squeue.err"), "slurm_load_jobs error: Unable to contact slurm controller\n");
    const r = await pipe(["status", "b"], fakeSlurm());
    fs.rmSync(path.join(bin, "squeue.err"));
    expect(r.code).toBe(1);
    expect(r.err).toBe("pipe: warning: squeue failed: slurm_load_jobs error: Unable to contact slurm controller; states are from the store only\n");
    expect(r.out.split("\n").slice(4, 6)).toEqual(["  done          100_0  main/m[i=1]", "  failed        100_1  main/m[i=2]  (job 100 is gone from Slurm and left no result)"]);
    expect(r.out).toMatch(/\n4 tasks: 1 done, 3 failed\n$/);
  });

  it("status --watch: snapshots as they change until nothing is pending or running, then the exit code of the last", async () => {
    const states = [
      ["100_0|RUNNING|None", "100_1|PENDING|Resources", "100_2|PENDING|Resources", "101|PENDING|Dependency"],
      ["100_0|RUNNING|None", "100_1|PENDING|Resources", "100_2|PENDING|Resources", "101|PENDING|Dependency"],
      ["100_0|COMPLETED|None", "100_1|RUNNING|None", "100_2|FAILED|NonZeroExitCode", "101|CANCELLED|DependencyNeverSatisfied"],
    ];
    let step = 0;
    const show = () => fs.writeFileSync(path.join(bin, "squeue.out"), states[step]!.join("\n") + "\n");
    show();
    const { statusCommand } = await import("../../src/cli/bundle-commands.js");
    const io = recordingIo(dir, fakeSlurm());
    const waits: number[] = [];
    const code = await statusCommand(bundle(), io, { watch: "3" }, async (ms) => {
      waits.push(ms);
      step = Math.min(step + 1, states.length);
      if (step === states.length) fs.writeFileSync(path.join(bin, "squeue.out"), ["100_0|COMPLETED|None", "100_1|COMPLETED|None", "100_2|FAILED|NonZeroExitCode", "101|CANCELLED|None"].join("\n") + "\n");
      else show();
    });
    expect(code).toBe(1);
    expect(waits).toEqual([3000, 3000, 3000]);
    // Four looks, three different snapshots (the second equals the first), each opening with the job summary.
    const snapshots = io.stdout().split(/(?=^JOB  SLURM JOB)/m);
    expect(snapshots).toHaveLength(3);
    expect(snapshots[0]).toContain("m    100            3  2 pending, 1 running");
    expect(snapshots[1]).toContain("m    100            3  1 running, 1 done, 1 failed");
    expect(snapshots[2]).toMatch(/m    100            3  1 done, 2 failed\n_g   101            1  1 cancelled\n\n/);
    expect(await statusCommand(bundle(), recordingIo(dir, fakeSlurm()), { watch: "0" })).toBe(2);
    fs.rmSync(path.join(bin, "squeue.out"));
  });

  it("logs: no log yet (exit 1), then the log on stdout and its name on stderr", async () => {
    expect(await pipe(["logs", "b", "main/m[i=2]"])).toEqual({ code: 1, out: "", err: "pipe: no log yet for main/m[i=2]: logs/m_100_1.out (job 100 has not started)\n" });
    fs.writeFileSync(path.join(bundle(), "logs", "m_100_1.out"), "the log\nof task 1");
    expect(await pipe(["logs", "b", "main/m[i=2]"])).toEqual({ code: 0, out: "the log\nof task 1", err: "==> logs/m_100_1.out <==\n" });
    fs.writeFileSync(path.join(bundle(), "logs", "_g_101.out"), "gathered\n");
    expect(await pipe(["logs", "b", "main/_g"])).toEqual({ code: 0, out: "gathered\n", err: "==> logs/_g_101.out <==\n" });
  });

  it("cancel: one scancel of every job id in order; its failure is exit 1", async () => {
    expect(await pipe(["cancel", "b"], fakeSlurm())).toEqual({ code: 0, out: "", err: "cancelled jobs 100 101 (those still queued or running)\n" });
    expect(fs.readFileSync(path.join(bin, "scancel.args"), "utf8")).toBe("100 101\n");
    fs.writeFileSync(path.join(bin, "scancel.err"), "scancel: error: Kill job error on job id 100: Access denied\n");
    expect(await pipe(["cancel", "b"], fakeSlurm())).toEqual({ code: 1, out: "", err: "pipe: scancel failed: scancel: error: Kill job error on job id 100: Access denied\n" });
    fs.rmSync(path.join(bin, "scancel.err"));
  });

  it("submit passes on a failing submit.sh with exit 1", async () => {
    stub("sbatch", 'echo "sbatch: error: Batch job submission failed: Invalid account" >&2; exit 1');
    fs.rmSync(path.join(bundle(), "jobs.tsv"));
    const r = await pipe(["submit", "b"], fakeSlurm());
    expect(r).toEqual({ code: 1, out: "", err: "sbatch: error: Batch job submission failed: Invalid account\nm: sbatch failed\n" });
  });
});

describe("the status table", () => {
  it("aligns the Slurm ids, escapes task ids and counts in the order of the statuses", () => {
    const tasks: BundleTaskStatus[] = [
      { task: "main/a\tb", job: "a", status: "done", slurmId: "7_10" },
      { task: "main/c", job: "c", status: "not submitted" },
      { task: "main/d", job: "d", status: "pending", slurmId: "8", detail: "Priority" },
    ];
    expect(statusTable(tasks)).toBe(["  done          7_10  main/a\\tb", "  not submitted -     main/c", "  pending       8     main/d  (Priority)", "3 tasks: 1 pending, 1 done, 1 not submitted", ""].join("\n"));
    expect(statusExitCode(tasks)).toBe(0);
    expect(statusExitCode([...tasks, { task: "main/e", job: "e", status: "cancelled" }])).toBe(1);
  });
});
