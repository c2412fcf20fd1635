// After a local run of a sweep: `pipe find` by id pattern and typed filters (a float filter
// finds exactly its tasks and their files), `pipe outputs` (an edited argument makes its
// output missing) and its `--link` tree (one folder per task, refreshed, the user's files
// left alone), `pipe gc` after a change of the sweep (exactly the entries no plan references
// go, while another `pipe run` on the store finishes correctly), run records (a plan kept once
// per hash, a small record for a run that ran nothing), `pipe history` and `pipe logs`.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import type { Plan } from "../../src/plan/plan.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";
import { SWEEP } from "./sweep.js";

afterAll(cleanProjects);

const root = path.resolve(import.meta.dirname, "../..");


async function pipe(dir: string, ...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function sweep(): string {
  return project({ "main.pipe": SWEEP, "raw.txt": "b\na\n" }, "pipe-results-");
}

async function planOf(dir: string, ...args: string[]): Promise<Plan> {
  const r = await pipe(dir, "plan", "main.pipe", "--plan-only", ...args);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Plan;
}

const storeOf = (dir: string) => path.join(dir, ".pipe", "store");
const entries = (dir: string) => fs.readdirSync(storeOf(dir)).filter((n) => !n.startsWith(".")).sort();

describe("pipe find", () => {
  const dir = sweep();

  it("a float filter finds exactly its tasks, with their files and scalar values", async () => {
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    const plan = await planOf(dir);
    for (const filter of ["lr=1e-3", "lr=0.001", "lr=0.0010", "lr=10e-4"]) {
      const r = await pipe(dir, "find", "main.pipe", "--where", filter, "--json");
      expect(r.code, r.err).toBe(0);
      const found = JSON.parse(r.out) as { summary: object; tasks: { id: string; key: string; inStore: boolean; path: string; outputs: { name: string; path: string; value?: string }[] }[] };
      expect(found.tasks.map((t) => t.id), filter).toEqual(["main/runs[lr=0.001,seed=1]", "main/runs[lr=0.001,seed=2]"]);
      expect(found.summary).toEqual({ matched: 2, inStore: 2 });
      for (const t of found.tasks) {
        expect(t.key).toBe(plan.tasks.find((p) => p.id === t.id)!.key);
        expect(t.path).toBe(path.join(storeOf(dir), t.key));
        const model = t.outputs.find((o) => o.name === "model")!;
        expect(fs.readFileSync(model.path, "utf8")).toBe(`model lr=0.001 seed=${t.id.includes("seed=1") ? 1 : 2} opt=adam\n`);
        expect(t.outputs.find((o) => o.name === "score")!.value).toBe("0.001");
      }
    }
    const one = await pipe(dir, "find", "main.pipe", "main/runs*", "--where", "lr=1e-3", "--where", "seed=2");
    expect(one.code).toBe(0);
    expect(one.out.split("\n")[0]).toBe("main/runs[lr=0.001,seed=2]  in the store");
    expect(one.out).toMatch(/\n {2}score {2}0\.001\n/);
    expect(one.err).toBe("1 of 8 tasks match; 1 in the store\n");
    // An Int filter reads `1` as the Int it is; a string default is an argument too.
    expect(JSON.parse((await pipe(dir, "find", "main.pipe", "--where", "seed=1", "--where", "opt=adam", "--json")).out).summary).toEqual({ matched: 3, inStore: 3 });
    expect(JSON.parse((await pipe(dir, "find", "main.pipe", "--where", "lr=0.5", "--json")).out).tasks).toEqual([]);
    // A glob alone; an input File argument by its path.
    expect(JSON.parse((await pipe(dir, "find", "main.pipe", "main/p*", "--json")).out).tasks.map((t: { id: string }) => t.id)).toEqual(["main/p"]);
    expect(JSON.parse((await pipe(dir, "find", "main.pipe", "--where", "src=raw.txt", "--json")).out).tasks.map((t: { id: string }) => t.id)).toEqual(["main/d"]);
  });

  it("a name no task has lists the names; a value of the wrong type or a pair without `=` is an error (exit 2)", async () => {
    const unknown = await pipe(dir, "find", "main.pipe", "--where", "lrr=0.1");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("error P4046: no task of the selection has an argument `lrr`");
    expect(unknown.err).toContain("did you mean `lr`? (the tasks' arguments are `data`, `lr`, `opt`, `scores`, `seed`, `src`)");
    const onlyPick = await pipe(dir, "find", "main.pipe", "main/p", "--where", "lr=0.1");
    expect(onlyPick.err).toContain("the tasks' arguments are `scores`");
    const bad = await pipe(dir, "find", "main.pipe", "--where", "lr=fast");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("error P4047: `--where lr=...`: not a value of `lr: Float`");
    const notInt = await pipe(dir, "find", "main.pipe", "--where", "seed=1.5");
    expect(notInt.code).toBe(2);
    expect(notInt.err).toContain("`Float` is not assignable to `Int`");
    const malformed = await pipe(dir, "find", "main.pipe", "--where", "lr");
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain("error P4045: `--where lr` is not `name=value`");
  });
});

describe("structured outputs", () => {
  it("find shows a record output as `.pipe` writes it (JSON data with --json); outputs projects its fields", async () => {
    const dir = project(
      {
        "main.pipe": `action evaluate(lr: Float) -> (metrics: {acc: Float, loss: Float}) {
  shell "printf '{\\"acc\\": %s, \\"loss\\": 0.5}' ~{lr} > ~{out.metrics}"
}
pipeline main() -> (accs: List[Float], first: {acc: Float, loss: Float}) {
  let evals = for lr in [0.3, 0.9] { evaluate(lr = lr) }
  return (accs = evals.metrics.acc, first = evals[0].metrics)
}
`,
      },
      "pipe-results-",
    );
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    const found = await pipe(dir, "find", "main.pipe", "--where", "lr=9e-1");
    expect(found.out).toMatch(/^main\/evals\[lr=0\.9\]  in the store\n  entry    \S+\n  metrics  \{acc = 0\.9, loss = 0\.5\}\n$/);
    const json = JSON.parse((await pipe(dir, "find", "main.pipe", "--where", "lr=0.9", "--json")).out);
    expect(json.tasks[0].outputs[0].value).toEqual({ acc: 0.9, loss: 0.5 });
    expect((await pipe(dir, "outputs", "main.pipe")).out).toBe("accs  = [0.3, 0.9]\nfirst = {acc = 0.3, loss = 0.5}\n");
  });
});

describe("pipe outputs and its --link tree", () => {
  const dir = sweep();

  it("lists the entry's outputs; after an edited argument the output it changes is missing", async () => {
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    const all = await pipe(dir, "outputs", "main.pipe");
    expect(all.code).toBe(0);
    const lines = all.out.split("\n");
    expect(lines[0]).toBe("best   = 0.1");
    expect(lines[1]).toMatch(/^models = \[.*\/\.pipe\/store\/[0-9a-f]+\/model(, .*){5}\]$/);
    expect(lines[2]).toBe(`data   = ${path.join(storeOf(dir), (await planOf(dir)).tasks[0]!.key, "data")}`);

    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP.replace("[1e-3, 0.01, 0.1]", "[1e-3, 0.01, 0.2]"));
    const edited = await pipe(dir, "outputs", "main.pipe", "--json");
    const outputs = JSON.parse(edited.out).outputs as { name: string; state: string; parts: { task: string; inStore: boolean }[] }[];
    expect(outputs.map((o) => [o.name, o.state])).toEqual([["best", "missing"], ["models", "missing"], ["data", "cached"]]);
    expect(outputs[1]!.parts.filter((p) => !p.inStore).map((p) => p.task)).toEqual(["main/runs[lr=0.2,seed=1]", "main/runs[lr=0.2,seed=2]"]);
    const text = await pipe(dir, "outputs", "main.pipe");
    expect(text.out.split("\n")[0]).toBe("best     missing (not in the store: main/p)");
    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP);
  });

  it("--link makes one folder per task with links into the store, keeps the user's files and refreshes", async () => {
    const links = path.join(dir, "results");
    fs.mkdirSync(path.join(links, "runs"), { recursive: true });
    fs.writeFileSync(path.join(links, "notes.md"), "mine\n");
    fs.writeFileSync(path.join(links, "runs", "README"), "also mine\n");
    const r = await pipe(dir, "outputs", "main.pipe", "--link", "results");
    expect(r.code, r.err).toBe(0);
    const plan = await planOf(dir);
    const folders = ["d", "p", ...["0.001", "0.01", "0.1"].flatMap((lr) => [1, 2].map((s) => `runs/lr=${lr},seed=${s}`))];
    expect(r.err).toContain(`results: ${plan.tasks.length} task folders; 14 links added, 0 removed, 0 kept`);
    for (const f of folders) expect(fs.statSync(path.join(links, f)).isDirectory(), f).toBe(true);
    // One folder per task: every folder holding links is a task's.
    const withLinks = new Set<string>();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        if (e.isSymbolicLink()) withLinks.add(path.relative(links, d));
        else if (e.isDirectory()) walk(full);
      }
    };
    walk(links);
    expect([...withLinks].sort()).toEqual([...folders].sort());
    const model = path.join(links, "runs", "lr=0.001,seed=2", "model");
    expect(fs.readlinkSync(model)).toBe(path.join(storeOf(dir), plan.tasks.find((t) => t.id === "main/runs[lr=0.001,seed=2]")!.key, "model"));
    expect(fs.readFileSync(model, "utf8")).toBe("model lr=0.001 seed=2 opt=adam\n");

    // A change of the sweep, run: the old folders' links go, the new ones come, the user's files stay.
    fs.writeFileSync(path.join(links, "runs", "lr=0.1,seed=1", "my-plot.png"), "user data\n");
    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP.replace("[1e-3, 0.01, 0.1]", "[1e-3, 0.01, 0.2]"));
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    // A user's file where a link would go is left, with a warning.
    fs.mkdirSync(path.join(links, "runs", "lr=0.2,seed=2"), { recursive: true });
    fs.writeFileSync(path.join(links, "runs", "lr=0.2,seed=2", "score"), "not a link\n");
    const again = await pipe(dir, "outputs", "main.pipe", "--link", "results");
    expect(again.code).toBe(0);
    expect(again.err).toContain(`warning P4048: ${path.join(links, "runs", "lr=0.2,seed=2", "score")} is not a link pipe made; left as it is`);
    expect(fs.readFileSync(path.join(links, "runs", "lr=0.2,seed=2", "score"), "utf8")).toBe("not a link\n");
    expect(fs.existsSync(path.join(links, "runs", "lr=0.1,seed=2"))).toBe(false);
    expect(fs.readdirSync(path.join(links, "runs", "lr=0.1,seed=1"))).toEqual(["my-plot.png"]);
    expect(fs.readFileSync(path.join(links, "notes.md"), "utf8")).toBe("mine\n");
    expect(fs.readFileSync(path.join(links, "runs", "README"), "utf8")).toBe("also mine\n");
    expect(fs.readFileSync(path.join(links, "runs", "lr=0.2,seed=1", "model"), "utf8")).toBe("model lr=0.2 seed=1 opt=adam\n");
    expect(fs.readFileSync(path.join(links, "p", "best"), "utf8")).toBe("0.2\n");
    // A third call changes nothing.
    expect((await pipe(dir, "outputs", "main.pipe", "--link", "results")).err).toContain("0 links added, 0 removed, 13 kept");
    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP);
  });
});

describe("pipe gc", () => {
  it("after a change of the sweep deletes exactly the entries no plan references, and says how many bytes", async () => {
    const dir = sweep();
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    const old = await planOf(dir);
    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP.replace("[1e-3, 0.01, 0.1]", "[1e-3, 0.05]"));
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    const now = await planOf(dir);
    const nowKeys = new Set(now.tasks.map((t) => t.key));
    const garbage = old.tasks.filter((t) => !nowKeys.has(t.key));
    expect(garbage.map((t) => t.id).sort()).toEqual(["main/p", "main/runs[lr=0.01,seed=1]", "main/runs[lr=0.01,seed=2]", "main/runs[lr=0.1,seed=1]", "main/runs[lr=0.1,seed=2]"]);
    const before = entries(dir);
    const size = (key: string) => fs.readdirSync(path.join(storeOf(dir), key)).reduce((n, f) => n + fs.statSync(path.join(storeOf(dir), key, f)).size, 0);
    const bytes = garbage.reduce((n, t) => n + size(t.key), 0);

    const dry = await pipe(dir, "gc", "main.pipe", "--dry-run");
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(`would delete 5 entries (${bytes.toLocaleString("en-US")} bytes); 6 referenced kept`);
    expect(entries(dir)).toEqual(before);

    const gc = await pipe(dir, "gc", "main.pipe");
    expect(gc.code, gc.err).toBe(0);
    expect(gc.out).toContain(`deleted 5 entries (${bytes.toLocaleString("en-US")} bytes)`);
    expect(gc.out.trim().split("\n").at(-1)).toBe(`freed ${bytes.toLocaleString("en-US")} bytes`);
    for (const t of garbage) expect(gc.out).toContain(`${t.key}`);
    expect(entries(dir)).toEqual([...nowKeys].sort());
    // Nothing reruns; a second gc has nothing to do.
    expect((await pipe(dir, "run", "main.pipe", "--json")).out).toContain('"toRun":0');
    expect((await pipe(dir, "gc", "main.pipe")).out).toContain("deleted 0 entries (0 bytes); 6 referenced kept");
    // Two plans given keep both plans' entries; a program that does not compile deletes nothing.
    fs.writeFileSync(path.join(dir, "broken.pipe"), "pipeline main( {");
    const broken = await pipe(dir, "gc", "main.pipe", "broken.pipe");
    expect(broken.code).toBe(2);
    expect(broken.err).toContain("nothing was deleted: broken.pipe does not compile");
    expect(entries(dir)).toEqual([...nowKeys].sort());
  });

  it("spares what a concurrent `pipe run` on the store needs, which finishes correctly", async () => {
    const dir = sweep();
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    // Another program on the same store: a fast upstream task, slow tasks that read it, a fan-in.
    fs.writeFileSync(
      path.join(dir, "other.pipe"),
      `action up(n: Int) -> (x: File) { shell "seq ~{n} > ~{out.x}" }
action slow(x: File, i: Int) -> (y: Int) { shell "sleep 1.5; echo $(( $(wc -l < ~{x}) + ~{i} )) > ~{out.y}" }
action sum(ys: List[Int]) -> (total: Int) { shell "echo $(( $(printf '%s+' ~{ys})0 )) > ~{out.total}" }
pipeline main() -> (total: Int) {
  let u = up(n = 10)
  let s = for i in [1, 2, 3, 4, 5, 6] { slow(x = u.x, i = i) }
  let t = sum(ys = s.y)
  return (total = t.total)
}
`,
    );
    const other = execa("node", [path.join(root, "bin/pipe.js"), "run", "other.pipe", "-j", "2", "--json"], { cwd: dir, reject: false });
    // Wait until `up` is committed and the slow tasks run.
    const otherPlan = await planOf(dir, "--entry", "main").then(async () => JSON.parse((await pipe(dir, "plan", "other.pipe", "--plan-only")).out) as Plan);
    const upKey = otherPlan.tasks.find((t) => t.id === "main/u")!.key;
    for (let i = 0; i < 200 && !fs.existsSync(path.join(storeOf(dir), upKey, "meta.json")); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(path.join(storeOf(dir), upKey, "meta.json"))).toBe(true);

    // gc given only main.pipe, changed: its old entries go; nothing of other.pipe's does.
    const old = await planOf(dir);
    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP.replace("[1e-3, 0.01, 0.1]", "[1e-3]"));
    const now = await planOf(dir);
    const gc = await pipe(dir, "gc", "main.pipe");
    expect(gc.code, gc.err).toBe(0);
    const done = await other;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout.trim().split("\n").at(-1)!)).toMatchObject({ type: "result", status: "ok", outputs: { total: String(6 * 10 + 21) } });
    const nowKeys = new Set(now.tasks.map((t) => t.key));
    const kept = entries(dir);
    for (const t of otherPlan.tasks) expect(kept, t.id).toContain(t.key);
    for (const t of old.tasks) expect(kept.includes(t.key), t.id).toBe(nowKeys.has(t.key));
    expect(gc.out).toMatch(/no plan references kept: running work needs (it|them)/);
    // The run is over: its entries are garbage for a gc that names only main.pipe.
    const after = await pipe(dir, "gc", "main.pipe");
    expect(after.out).toContain(`deleted ${otherPlan.tasks.length} entries`);
    expect(entries(dir)).toEqual([...nowKeys].filter((k) => fs.existsSync(path.join(storeOf(dir), k))).sort());
  });

  it("a run that starts during a collection waits for its end before it reads the store", async () => {
    const dir = sweep();
    const locks = path.join(storeOf(dir), ".needs");
    fs.mkdirSync(locks, { recursive: true });
    // A live collector's mark: this test's own process.
    fs.writeFileSync(path.join(locks, "gc"), JSON.stringify({ host: (await import("node:os")).hostname(), pid: process.pid }) + "\n");
    const started = Date.now();
    const running = execa("node", [path.join(root, "bin/pipe.js"), "run", "main.pipe", "--quiet"], { cwd: dir, reject: false });
    const needs = () => fs.readdirSync(locks).filter((n) => n.startsWith("needs."));
    for (let i = 0; i < 400 && needs().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    // Waiting: it has said what it needs, and a second later has made nothing yet.
    expect(needs()).toHaveLength(1);
    const waitedFrom = Date.now();
    // A second collector is refused while the first one lives.
    const busy = await pipe(dir, "gc", "main.pipe");
    expect(busy.code).toBe(2);
    expect(busy.err).toContain(`error P4049: another \`pipe gc\` is collecting this store (pid ${process.pid} on `);
    await new Promise((r) => setTimeout(r, 1000));
    expect(entries(dir)).toEqual([]);
    fs.rmSync(path.join(locks, "gc"));
    const r = await running;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(Date.now() - waitedFrom).toBeGreaterThan(1000);
    expect(started).toBeLessThan(waitedFrom);
    expect(entries(dir)).toHaveLength(8);
    expect(fs.readdirSync(locks).filter((n) => n.startsWith("needs."))).toEqual([]);
  });

  it("--keep-runs N keeps the last N run records and the plans they link; each plan is stored once", async () => {
    const dir = sweep();
    for (let i = 0; i < 3; i++) expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    expect((await pipe(dir, "run", "main.pipe", "--quiet", "-p", "seeds=[3]")).code).toBe(0);
    const runs = fs.readdirSync(path.join(dir, ".pipe", "runs")).sort();
    expect(runs).toHaveLength(4);
    const plans = fs.readdirSync(path.join(dir, ".pipe", "plans"));
    // Each named by the hash of its text; a run of a plan stored already leaves no temporary file beside them.
    expect(plans).toHaveLength(2);
    for (const name of plans) expect(`${crypto.createHash("sha256").update(fs.readFileSync(path.join(dir, ".pipe", "plans", name))).digest("hex")}.json`).toBe(name);
    const inode = (run: string) => fs.statSync(path.join(dir, ".pipe", "runs", run, "plan.json")).ino;
    expect(new Set(runs.slice(0, 3).map(inode)).size).toBe(1);
    // A run that ran nothing leaves a small record.
    const noop = JSON.parse(fs.readFileSync(path.join(dir, ".pipe", "runs", runs[1]!, "run.json"), "utf8"));
    expect(noop).toMatchObject({ status: "ok", tasks: [], cachedOnly: 8 });
    expect(fs.readdirSync(path.join(dir, ".pipe", "runs", runs[1]!)).sort()).toEqual(["plan.json", "run.json", "tasks.tsv"]);
    expect(fs.statSync(path.join(dir, ".pipe", "runs", runs[1]!, "run.json")).size).toBeLessThan(400);
    expect((await pipe(dir, "history")).out).toMatch(/ 8 cached /);

    const gc = await pipe(dir, "gc", "main.pipe", "--keep-runs", "1", "-p", "seeds=[3]");
    expect(gc.code, gc.err).toBe(0);
    expect(gc.out).toMatch(/deleted 3 run records \([\d,]+ bytes\) and 1 plan \([\d,]+ bytes\)/);
    expect(fs.readdirSync(path.join(dir, ".pipe", "runs"))).toEqual([runs[3]]);
    expect(fs.readdirSync(path.join(dir, ".pipe", "plans"))).toHaveLength(1);
    expect((await pipe(dir, "gc", "main.pipe", "--keep-runs", "x")).code).toBe(2);
  });
});

describe("pipe history and pipe logs", () => {
  it("history: newest first, aligned, with duration, the parameters that differ from the defaults and the commit", async () => {
    const dir = sweep();
    const git = (...args: string[]) => execa("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@e", ...args]);
    await git("init", "-q");
    await git("add", "main.pipe", "raw.txt");
    await git("commit", "-qm", "sweep");
    const head = (await git("rev-parse", "--short=12", "HEAD")).stdout.trim();
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    expect((await pipe(dir, "run", "main.pipe", "--quiet", "-p", "lrs=[0.5]", "-p", "seeds=[1, 2]")).code).toBe(0);
    const lines = (await pipe(dir, "history")).out.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^RUN +STATUS +DURATION +PROGRAM +TASKS +PARAMETERS +COMMIT$/);
    expect(lines[1]).toMatch(new RegExp(`^\\S+ +ok +\\d+\\.\\ds +main\\.pipe \\(main\\) +1 cached, 3 done +lrs=\\[0\\.5\\] +${head}$`));
    expect(lines[2]).toMatch(new RegExp(`^\\S+ +ok +\\d+\\.\\ds +main\\.pipe \\(main\\) +8 done +- +${head}$`));
    // Aligned: every column starts at one offset on every line.
    for (const col of ["STATUS", "PARAMETERS", "COMMIT"]) {
      const at = lines[0]!.indexOf(col);
      for (const l of lines.slice(1)) expect(l[at - 1]).toBe(" ");
    }
    expect(lines[1]! < lines[2]! ? "older first" : "newest first").toBe("newest first");
  });

  it("logs names the run and key, and warns when the current plan's key for the task differs", async () => {
    const dir = sweep();
    const noisy = SWEEP.replace('echo ~{lr} > ~{out.score}', 'echo ~{lr} > ~{out.score}; echo "trained ~{lr}"');
    fs.writeFileSync(path.join(dir, "main.pipe"), noisy);
    expect((await pipe(dir, "run", "main.pipe", "--quiet", "-p", "lrs=[0.3]")).code).toBe(0);
    const key = (await planOf(dir, "-p", "lrs=[0.3]")).tasks.find((t) => t.id === "main/runs[lr=0.3,seed=1]")!.key;
    const same = await pipe(dir, "logs", "main/runs[lr=0.3,seed=1]");
    expect(same.code).toBe(0);
    expect(same.out).toMatch(new RegExp(`^==> main/runs\\[lr=0\\.3,seed=1\\] \\(run \\S+, key ${key}, done, exit 0\\) <==\\n--- stdout ---\\ntrained 0\\.3\\n$`));
    // The run's parameters make the current plan: no warning.
    expect(same.err).toBe("");
    fs.writeFileSync(path.join(dir, "main.pipe"), noisy.replace("trained", "Trained"));
    const changed = await pipe(dir, "logs", "main/runs[lr=0.3,seed=1]");
    expect(changed.out).toContain(`key ${key}`);
    expect(changed.err).toMatch(new RegExp(`^pipe: warning: these logs of main/runs\\[lr=0\\.3,seed=1\\] are of key ${key} \\(run \\S+\\); the current plan has key [0-9a-f]+ for it: these are not its logs\\n$`));
  });
});
