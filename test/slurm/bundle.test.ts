// The Slurm bundle without a cluster: golden bundles (UPDATE_GOLDEN=1 rewrites them), the
// #SBATCH options, the grouping of tasks into arrays and their dependency types, and
// shellcheck over every generated script of every example.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { parseTime } from "../../src/units/time.js";
import { ConfigSchema } from "../../src/config/index.js";
import { emitSlurm, readBundle, sbatchOptions } from "../../src/backends/slurm/index.js";
import { currentAttempts } from "../../src/backends/slurm/status.js";
import { awaitedJobs } from "../../src/backends/slurm/jobs.js";
import { buildPlan } from "../../src/cli/build-plan.js";
import { run } from "../../src/cli/index.js";
import type { Plan } from "../../src/plan/plan.js";
import { expectGoldenTree, filesUnder } from "../golden.js";
import { recordingIo } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "../..");
const fixtures = path.join(root, "test/fixtures/slurm");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bundle-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of a project directory (so compiling it leaves the repository alone). */
function copyProject(from: string, name: string, config?: object): string {
  const dir = path.join(tmp, name);
  fs.cpSync(from, dir, { recursive: true, filter: (src) => path.basename(src) !== ".pipe" });
  if (config) fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify(config));
  return dir;
}

async function emit(project: string, out: string): Promise<void> {
  const io = recordingIo(tmp);
  const code = await run(["emit", "slurm", path.join(project, "main.pipe"), "-o", out], io);
  expect(code, io.stderr()).toBe(0);
}


const slurmDefaults = ConfigSchema.parse({}).slurm;

describe("golden bundles", () => {
  // Every file but the plan (gzipped; the plan phase has golden tests of its own).
  const cases = [
    { name: "sweep", source: path.join(root, "examples/sweep"), only: (f: string) => f !== "plan.json.gz" },
    { name: "configured", source: path.join(fixtures, "configured"), only: (f: string) => f !== "plan.json.gz" },
  ];
  for (const { name, source, only } of cases) {
    it(`${name} matches test/fixtures/slurm/golden/${name}`, async () => {
      const project = copyProject(source, `golden-${name}`);
      const out = path.join(tmp, `golden-${name}-bundle`);
      await emit(project, out);
      const actual = new Map(filesUnder(out).filter(only).map((f) => [f, fs.readFileSync(path.join(out, f), "utf8").split(tmp).join("<tmp>")]));
      const golden = path.join(fixtures, "golden", name);
      expectGoldenTree(golden, actual);
    });
  }

  it("emitting twice gives the same bytes, and an emitted bundle reads back", async () => {
    const project = copyProject(path.join(fixtures, "chain"), "twice");
    const built = await buildPlan(path.join(project, "main.pipe"), {}, recordingIo(tmp));
    const a = emitSlurm(built!.plan, built!.config.slurm);
    const b = emitSlurm(structuredClone(built!.plan), built!.config.slurm);
    expect([...a.files]).toEqual([...b.files]);
    const out = path.join(tmp, "twice-bundle");
    await emit(project, out);
    const read = readBundle(out);
    expect(read.ok && read.value).toEqual(a.bundle);
  });

  it("names each job's table in bundle.json by count and digest, and still reads a bundle that lists its tasks", async () => {
    const project = copyProject(path.join(fixtures, "chain"), "listing");
    const out = path.join(tmp, "listing-bundle");
    await emit(project, out);
    const written = JSON.parse(fs.readFileSync(path.join(out, "bundle.json"), "utf8")) as { format: string; jobs: Record<string, unknown>[] };
    expect(written.format).toBe("pipe-slurm-bundle/2");
    expect(written.jobs.map((j) => [j["name"], j["count"], typeof j["digest"], "tasks" in j])).toEqual([
      ["runs", 6, "string", false],
      ["evals", 6, "string", false],
      ["p", 1, "string", false],
    ]);
    const read = readBundle(out);
    if (!read.ok) throw new Error(read.error);
    // A bundle of format 1 lists the tasks in bundle.json (and has a task script each).
    const listing = { ...written, format: "pipe-slurm-bundle/1", jobs: read.value.jobs.map((j) => ({ ...j, tasks: j.tasks.map((t, i) => ({ ...t, script: `tasks/${i}.sh` })) })) };
    const old = path.join(tmp, "format-1");
    fs.mkdirSync(old);
    fs.writeFileSync(path.join(old, "bundle.json"), JSON.stringify(listing));
    const again = readBundle(old);
    expect(again.ok && again.value.jobs.map((j) => j.tasks.map((t) => t.id))).toEqual(read.value.jobs.map((j) => j.tasks.map((t) => t.id)));
    // A table that lost a row is not the bundle's.
    fs.writeFileSync(path.join(out, "jobs/runs.tasks"), fs.readFileSync(path.join(out, "jobs/runs.tasks"), "utf8").split("\n").slice(1).join("\n"));
    const short = readBundle(out);
    expect(!short.ok && short.error).toBe(`${path.join(out, "jobs/runs.tasks")} lists 5 tasks where bundle.json says 6: emit the bundle again`);
    fs.writeFileSync(path.join(old, "bundle.json"), JSON.stringify({ ...listing, format: "pipe-slurm-bundle/9" }));
    const future = readBundle(old);
    expect(!future.ok && future.error).toContain("not a bundle this pipe reads (pipe-slurm-bundle/9");
  });

  it("refuses to write into a directory that holds something else", async () => {
    const project = copyProject(path.join(root, "examples/hello"), "refuse");
    const out = path.join(tmp, "not-a-bundle");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "notes.txt"), "mine");
    const io = recordingIo(tmp);
    expect(await run(["emit", "slurm", path.join(project, "main.pipe"), "-o", out], io)).toBe(2);
    expect(io.stderr()).toContain("holds no pipe bundle");
  });
});

describe("#SBATCH options", () => {
  it("renders times, memory, GPUs and the scheduling names", () => {
    const times = ["30m", "24h", "1d12h", "01:30:00", "90s"].map((t) => sbatchOptions({ time: parseTime(t)! }, slurmDefaults));
    expect(times).toEqual([["--time=00:30:00"], ["--time=1-00:00:00"], ["--time=1-12:00:00"], ["--time=01:30:00"], ["--time=00:01:30"]]);
    expect(sbatchOptions({ cpus: 4, gpus: 2, mem: 1536, partition: "gpu", account: "lab", qos: "high", extra: ["--exclusive"] }, slurmDefaults)).toEqual([
      "--partition=gpu",
      "--account=lab",
      "--qos=high",
      "--cpus-per-task=4",
      "--gres=gpu:2",
      "--mem=1536M",
      "--exclusive",
    ]);
    expect(sbatchOptions({ gpus: 0, mem: 4096 }, slurmDefaults)).toEqual(["--mem=4G"]);
  });

  it("fills in per-partition defaults, then general defaults, then config names", () => {
    const slurm = ConfigSchema.parse({
      slurm: {
        partition: "cpu",
        account: "lab",
        partitions: { gpu: { cpus: 8, mem: "32G", time: "2h" } },
        defaults: { cpus: 1, mem: "2G", time: "4h", extra: ["--nice"] },
        extraArgs: ["--requeue"],
      },
    }).slurm;
    expect(sbatchOptions({ partition: "gpu", gpus: 1 }, slurm)).toEqual(["--partition=gpu", "--account=lab", "--cpus-per-task=8", "--gres=gpu:1", "--mem=32G", "--time=02:00:00", "--nice", "--requeue"]);
    expect(sbatchOptions({ cpus: 2 }, slurm)).toEqual(["--partition=cpu", "--account=lab", "--cpus-per-task=2", "--mem=2G", "--time=04:00:00", "--nice", "--requeue"]);
    expect(sbatchOptions({ account: "other", extra: [] }, slurm)).toEqual(["--partition=cpu", "--account=other", "--cpus-per-task=1", "--mem=2G", "--time=04:00:00", "--requeue"]);
  });
});

describe("jobs", () => {
  async function planOf(name: string, config?: object): Promise<Plan> {
    const project = copyProject(path.join(fixtures, name), `plan-${name}-${Math.random().toString(36).slice(2)}`, config);
    const built = await buildPlan(path.join(project, "main.pipe"), {}, recordingIo(tmp));
    return built!.plan;
  }

  it("makes a sweep one array, an element-wise step an aftercorr array, a fan-in afterok", async () => {
    const { bundle } = emitSlurm(await planOf("chain"), slurmDefaults);
    expect(bundle.jobs.map((j) => [j.name, j.array, j.tasks.length, j.after])).toEqual([
      ["runs", true, 6, []],
      ["evals", true, 6, [{ job: "runs", type: "aftercorr" }]],
      ["p", false, 1, [{ job: "evals", type: "afterok" }]],
    ]);
  });

  it("gives each bigger retry a job of its own after the attempts before it, and dependents a join", async () => {
    const { bundle, files } = emitSlurm(await planOf("grow"), slurmDefaults);
    const jobs = new Map(bundle.jobs.map((j) => [j.name, j]));
    expect(bundle.jobs.map((j) => j.name)).toEqual(["n", "n-try2", "n-try3", "n-try4", "q", "q-try2", "q-try3", "q-try4", "s", "s-try2", "b"]);
    expect(jobs.get("n-try3")!.after).toEqual([{ job: "n", type: "afternotok" }, { job: "n-try2", type: "afternotok" }]);
    expect(jobs.get("n-try3")!.options).toEqual(["--mem=256M", "--time=00:05:00"]);
    expect(jobs.get("s-try2")!.options).toEqual(["--time=00:03:00"]);
    expect(jobs.get("n")!.join).toEqual({ name: "n-ok", script: "jobs/n-ok.sh", attempts: ["n", "n-try2", "n-try3", "n-try4"] });
    expect(jobs.get("b")!.after).toEqual([{ job: "n-ok", type: "afterok" }, { job: "q-ok", type: "afterok" }, { job: "s-ok", type: "afterok" }]);
    const submit = files.get("submit.sh")!;
    expect(submit).toContain("\njob n-try4 single jobs/n.tasks afternotok:n afternotok:n-try2 afternotok:n-try3\n# n-ok: done once one attempt of n is\njoin n-ok n n-try2 n-try3 n-try4\n");
    expect(files.get("jobs/n-ok.sh")).toContain("exit 0");
    // Retries that grow are jobs; the job itself runs once.
    expect(files.get("jobs/n.sh")).toMatch(/\n}\n\ntask_body\n$/);
    // A retry runs the first attempt's tasks, from its table.
    expect(files.get("jobs/n-try3.sh")).toContain("jobs/n.tasks");
    expect(files.has("jobs/n-try3.tasks")).toBe(false);
  });

  it("has what waits for a task with growing retries wait for its join, in a dynamic loop and in a part", async () => {
    const looped = emitSlurm(await planOf("grow-loop"), slurmDefaults);
    expect(looped.files.get("submit.sh")).toContain("\njoin s-ok s s-try2 s-try3\n# expand-w: expands main/w\nexpand expand-w '(expand) main/w' afterok:s-ok\n");
    // A part holding q and b: q's attempts and join take the part's prefix, and b waits for the joins of n and s, outside it.
    const plan = await planOf("grow");
    const whole = emitSlurm(plan, slurmDefaults).bundle;
    const inPart = new Set(plan.tasks.filter((t) => t.id === "main/q" || t.id === "main/b").map((t) => t.id));
    const jobOf = awaitedJobs(whole.jobs.filter((j) => !j.tasks.some((t) => inPart.has(t.id))), new Map());
    const { bundle, files } = emitSlurm(plan, slurmDefaults, { ids: inPart, prefix: "x-", root: "../..", jobOf, loopsElsewhere: new Set() });
    const jobs = new Map(bundle.jobs.map((j) => [j.name, j]));
    expect([...jobs.keys()]).toEqual(["x-q", "x-q-try2", "x-q-try3", "x-q-try4", "x-b"]);
    expect(jobs.get("x-q")!.join).toEqual({ name: "x-q-ok", script: "jobs/x-q-ok.sh", attempts: ["x-q", "x-q-try2", "x-q-try3", "x-q-try4"] });
    expect(jobs.get("x-q-try3")!.after).toEqual([{ job: "x-q", type: "afternotok" }, { job: "x-q-try2", type: "afternotok" }]);
    expect(jobs.get("x-b")!.after).toEqual([{ job: "x-q-ok", type: "afterok" }, { job: "n-ok", type: "afterok" }, { job: "s-ok", type: "afterok" }]);
    expect(files.get("jobs/x-q-try3.sh")).toContain("jobs/x-q.tasks");
    expect(files.has("jobs/x-q.tasks")).toBe(true);
    expect(files.has("jobs/x-q-ok.sh")).toBe(true);
    // The join is recorded in jobs.tsv, so that a later part finds it while it waits.
    expect(files.get("submit.sh")).toContain(`printf '%s\\t%s\\t%s\\t%s\\n' "(join) $name" "$name" "$id" - >> jobs.tsv`);
  });

  it("lines an element-wise array up with its upstream array whatever the plan order", async () => {
    const plan = await planOf("chain");
    const evals = plan.tasks.filter((t) => t.group === "main/evals").reverse();
    const reordered = { ...plan, tasks: [...plan.tasks.filter((t) => t.group === "main/runs"), ...evals, ...plan.tasks.filter((t) => t.group === "main/p")] };
    const [runs, evalJob] = emitSlurm(reordered, slurmDefaults).bundle.jobs;
    expect(evalJob!.after).toEqual([{ job: "runs", type: "aftercorr" }]);
    const byId = new Map(plan.tasks.map((t) => [t.id, t]));
    evalJob!.tasks.forEach((t, i) => expect(byId.get(t.id)!.deps).toEqual([runs!.tasks[i]!.id]));
    // The first in line and the others not: the last two swapped.
    const swapped = [...evals].reverse();
    expect(swapped.length).toBeGreaterThan(2);
    swapped.push(...swapped.splice(-2).reverse());
    const partly = { ...plan, tasks: [...plan.tasks.filter((t) => t.group === "main/runs"), ...swapped, ...plan.tasks.filter((t) => t.group === "main/p")] };
    const [runs2, evalJob2] = (await emitSlurm(partly, slurmDefaults)).bundle.jobs;
    expect(evalJob2!.after).toEqual([{ job: "runs", type: "aftercorr" }]);
    evalJob2!.tasks.forEach((t, i) => expect(byId.get(t.id)!.deps).toEqual([runs2!.tasks[i]!.id]));
  });

  it("makes an array of each step of a pipeline called per element, however many steps take turns", async () => {
    // Six steps (more than a task is compared with before its job is looked up by key), one
    // with resources of its own, one given others by the call, and one whose resources
    // depend on the element, so that its tasks take turns between two jobs; the steps take
    // turns in the plan, element after element.
    const dir = path.join(tmp, "turns");
    fs.mkdirSync(dir);
    const steps = [1, 2, 3, 4, 5, 6];
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      [
        ...steps.map((k) => `action s${k}(x: Int) -> (o: Int) {${k === 3 ? " resources { cpus = 2 }" : k === 1 ?  ' resources { mem = if x == 1 or x == 3 or x == 5 then "2G" else "1G" }' : ""} shell "echo ~{x} > ~{out.o}" }`),
        "pipeline trial(x: Int) -> (o: Int) {",
        ...steps.map((k) => `  let r${k} = s${k}(x = ${k > 1 ? `r${k - 1}.o` : "x"})${k === 5 ? ' resources { mem = "1G" }' : ""}`),
        "  return (o = r6.o)",
        "}",
        "pipeline main() {",
        "  let _t = for x in range(7) { trial(x = x) }",
        "  let _u = for x in range(4) { s1(x = x) }",
        "}",
        "",
      ].join("\n"),
    );
    const plan = (await buildPlan(path.join(dir, "main.pipe"), {}, recordingIo(tmp)))!.plan;
    const { bundle } = emitSlurm(plan, slurmDefaults);
    expect(bundle.jobs.map((j) => `${j.name}:${j.tasks.length}:${j.options.join(" ")}:${j.after.map((a) => `${a.type}:${a.job}`).join(",")}`)).toEqual([
      "_t-r1:4:--mem=1G:",
      "_t-r1-2:3:--mem=2G:",
      "_t-r2:7::afterok:_t-r1,afterok:_t-r1-2",
      "_t-r3:7:--cpus-per-task=2:aftercorr:_t-r2",
      "_t-r4:7::aftercorr:_t-r3",
      "_t-r5:7:--mem=1G:aftercorr:_t-r4",
      "_t-r6:7::aftercorr:_t-r5",
      "_u:2:--mem=1G:",
      "_u-2:2:--mem=2G:",
    ]);
    const ids = (step: string, xs: number[]) => xs.map((x) => `main/_t[x=${x}]/${step}`);
    expect(bundle.jobs.map((j) => j.tasks.map((t) => t.id))).toEqual([
      ids("r1", [0, 2, 4, 6]),
      ids("r1", [1, 3, 5]),
      ...steps.slice(1).map((k) => ids(`r${k}`, [0, 1, 2, 3, 4, 5, 6])),
      ["main/_u[x=0]", "main/_u[x=2]"],
      ["main/_u[x=1]", "main/_u[x=3]"],
    ]);
  });

  it("splits arrays at maxArraySize, chains the parts element-wise and fans in after all", async () => {
    const slurm = ConfigSchema.parse({ slurm: { maxArraySize: 4, arrayThrottle: 3 } }).slurm;
    const { bundle, files } = emitSlurm(await planOf("chain"), slurm);
    expect(bundle.jobs.map((j) => `${j.name}:${j.tasks.length}:${j.after.map((a) => `${a.type}:${a.job}`).join(",")}`)).toEqual([
      "runs-1:4:",
      "runs-2:2:",
      "evals-1:4:aftercorr:runs-1",
      "evals-2:2:aftercorr:runs-2",
      "p:1:afterok:evals-1,afterok:evals-2",
    ]);
    expect(files.get("submit.sh")).toContain("job runs-1 array%3 jobs/runs-1.tasks\n");
  });

  it("runs tasks with cache = false, and what depends on them, even when their key is in the store", async () => {
    const { bundle, files } = emitSlurm(await planOf("configured"), slurmDefaults);
    const forced = bundle.jobs.flatMap((j) => j.tasks).filter((t) => t.force).map((t) => t.id);
    expect(forced).toEqual(["main/s", "main/r"]);
    expect(files.get("jobs/r.tasks")).toMatch(/^0\t\w{32}\t1\tmain\/r\n$/);
  });
});

describe("shellcheck", () => {
  const projects = [
    ...fs.readdirSync(path.join(root, "examples")).map((d) => path.join(root, "examples", d)),
    ...["chain", "configured", "slow", "grow", "grow-loop"].map((d) => path.join(fixtures, d)),
  ].filter((d) => fs.existsSync(path.join(d, "main.pipe")));

  it.each(projects.map((p) => [path.relative(root, p), p]))("passes on every script of the %s bundle", async (name, project) => {
    const hasShellcheck = (await execa("shellcheck", ["--version"], { reject: false })).exitCode === 0;
    if (!hasShellcheck) {
      if (process.env["PIPE_REQUIRE_SLURM"]) throw new Error("shellcheck is not installed (apt-get install shellcheck)");
      console.warn("skipping shellcheck tests: shellcheck is not installed (apt-get install shellcheck)");
      return;
    }
    const copy = copyProject(project, `shellcheck-${name.replace(/\W/g, "-")}`);
    const out = path.join(tmp, `shellcheck-${name.replace(/\W/g, "-")}-bundle`);
    await emit(copy, out);
    const scripts = filesUnder(out).filter((f) => f.endsWith(".sh"));
    expect(scripts).toContain("submit.sh");
    const result = await execa("shellcheck", ["--shell=bash", ...scripts], { cwd: out, reject: false });
    expect(result.stdout, result.stdout).toBe("");
    expect(result.exitCode).toBe(0);
  });
});

describe("status of a task with bigger retries", () => {
  it("follows the attempt that runs, then the last that ended other than cancelled", () => {
    const chain = [
      { task: "main/n", job: "n", jobId: "10" },
      { task: "main/n", job: "n-try2", jobId: "11" },
      { task: "main/n", job: "n-try3", jobId: "12" },
    ];
    const at = (states: Record<string, string>) => currentAttempts(new Map([["main/n", chain]]), new Map(Object.entries(states).map(([id, state]) => [id, { state, reason: "" }]))).get("main/n")!.jobId;
    expect(at({ "10": "RUNNING", "11": "PENDING", "12": "PENDING" })).toBe("10");
    expect(at({ "10": "FAILED", "11": "RUNNING", "12": "PENDING" })).toBe("11");
    expect(at({ "10": "FAILED", "11": "COMPLETED", "12": "CANCELLED" })).toBe("11");
    expect(at({ "10": "FAILED", "11": "OUT_OF_MEMORY", "12": "TIMEOUT" })).toBe("12");
    expect(at({})).toBe("12");
  });
});

describe("pipe emit slurm's summary", () => {
  it("counts the tasks whose result is in the store already: none without a store, all after a run", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "summary-"));
    fs.writeFileSync(path.join(dir, "main.pipe"), 'action a(i: Int) -> (v: Int) {\n  shell "echo ~{i} > ~{out.v}"\n}\n\npipeline main() -> (vs: List[Int]) {\n  let xs = for i in range(3) { a(i = i) }\n  return (vs = xs.v)\n}\n');
    const emitted = async () => {
      const io = recordingIo(dir);
      expect(await run(["emit", "slurm", "main.pipe", "-o", "bundle"], io), io.stderr()).toBe(0);
      return io.stdout().split("\n")[0];
    };
    expect(await emitted()).toBe("wrote bundle: 3 tasks in 1 jobs (1 arrays), 0 in the store already");
    const io = recordingIo(dir);
    expect(await run(["run", "main.pipe", "--quiet"], io), io.stderr()).toBe(0);
    expect(await emitted()).toBe("wrote bundle: 3 tasks in 1 jobs (1 arrays), 3 in the store already");
    fs.rmSync(path.join(dir, ".pipe", "store"), { recursive: true });
    expect(await emitted()).toBe("wrote bundle: 3 tasks in 1 jobs (1 arrays), 0 in the store already");
  });
});
