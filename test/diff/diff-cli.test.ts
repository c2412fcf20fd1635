// `pipe diff` beyond the golden folders: plan JSON and git revisions as sides, exit codes,
// edits to the examples, and `pipe why` against a store filled by running task scripts.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan } from "../../src/cli/build-plan.js";
import { run } from "../../src/cli/index.js";
import { diffPlans } from "../../src/diff/index.js";
import { renderDiff } from "../../src/diff/render.js";
import type { Plan } from "../../src/plan/plan.js";
import { taskScript } from "../../src/plan/script.js";
import { recordingIo } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const fixtures = path.join(root, "test", "fixtures", "diff");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-diff-cli-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

let counter = 0;
function scratch(from?: string): string {
  const dir = path.join(work, String(counter++));
  if (from) fs.cpSync(from, dir, { recursive: true });
  else fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function pipe(cwd: string, ...argv: string[]) {
  const io = recordingIo(cwd);
  const code = await run(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

async function planOf(file: string): Promise<Plan> {
  const built = await buildPlan(file, {}, recordingIo(path.dirname(file)));
  if (!built) throw new Error(`${file} does not compile`);
  return built.plan;
}

function edit(file: string, from: string | RegExp, to: string): void {
  const text = fs.readFileSync(file, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`no ${from} in ${file}`);
  fs.writeFileSync(file, next);
}

describe("pipe diff sides", () => {
  it("reads plan JSON from pipe plan --plan-only and --json, with the same result as the .pipe files", async () => {
    const dir = scratch(path.join(fixtures, "chain"));
    const a = await pipe(dir, "plan", "--plan-only", "a/main.pipe");
    const b = await pipe(dir, "plan", "--json", "b/main.pipe");
    fs.writeFileSync(path.join(dir, "a.json"), a.out);
    fs.writeFileSync(path.join(dir, "b.json"), b.out);
    const fromJson = await pipe(dir, "diff", "a.json", "b.json");
    const fromPipe = await pipe(dir, "diff", "a/main.pipe", "b/main.pipe");
    expect(fromJson.code).toBe(3);
    expect(fromJson.out).toBe(fromPipe.out);
    const mixed = await pipe(dir, "diff", "a.json", "b/main.pipe");
    expect(mixed.out).toBe(fromPipe.out);
  });

  it("exits 0 for no changes, 3 for changes, 2 for a side it cannot read", async () => {
    const dir = scratch(path.join(fixtures, "chain"));
    expect((await pipe(dir, "diff", "a/main.pipe", "a/main.pipe")).code).toBe(0);
    expect((await pipe(dir, "diff", "a/main.pipe", "b/main.pipe")).code).toBe(3);
    const missing = await pipe(dir, "diff", "a/main.pipe", "nope.pipe");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("nope.pipe: no such file");
    fs.writeFileSync(path.join(dir, "bad.json"), '{"format": "pipe-plan/1"}');
    const bad = await pipe(dir, "diff", "bad.json", "a/main.pipe");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad\.json: not a plan/);
    fs.writeFileSync(path.join(dir, "broken.pipe"), "action (");
    expect((await pipe(dir, "diff", "a/main.pipe", "broken.pipe")).code).toBe(2);
    const json = await pipe(dir, "diff", "--json", "bad.json", "a/main.pipe");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false });
  });

  it("says when a key changed and none of its inputs did", () => {
    const plan: Plan = {
      format: "pipe-plan/1",
      entry: "main",
      file: "main.pipe",
      params: {},
      actions: { "main.pipe#a": { name: "a", kind: "shell", definition: "action a() -> ()\ntrue", definitionHash: "h", outputs: [], env: {} } },
      tasks: [{ id: "main/a", key: "k1", action: "main.pipe#a", group: "main/a", deps: [], args: {}, command: "true", files: [], resources: {}, retries: 0, cache: true }],
      outputs: [],
    };
    const next = { ...plan, tasks: [{ ...plan.tasks[0]!, key: "k2" }] };
    const diff = diffPlans(plan, next);
    expect(diff.changed[0]!.causes).toEqual([{ kind: "key" }]);
    expect(renderDiff(diff)).toContain("key changed, its inputs did not");
  });

  it("sorts a plan whose tasks are not in dependency order", async () => {
    const dir = scratch(path.join(fixtures, "chain"));
    const a = await planOf(path.join(dir, "a", "main.pipe"));
    const b = await planOf(path.join(dir, "b", "main.pipe"));
    const shuffled = { ...b, tasks: [...b.tasks].reverse() };
    const text = renderDiff(diffPlans(a, shuffled));
    // Roots first, whatever the order of the document.
    expect(text).toMatch(/^~ main\/d\n    argument seed: 1 → 2\n~ 2 tasks: upstream main\/d changed/);
    expect(text.split("\n").sort()).toEqual(renderDiff(diffPlans(a, b)).split("\n").sort());
  });
});

describe("pipe diff with git revisions", () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" },
    });

  function repo(): string {
    const dir = scratch();
    git(dir, "init", "-q", "-b", "main");
    fs.mkdirSync(path.join(dir, "proj", "scripts"), { recursive: true });
    fs.mkdirSync(path.join(dir, "proj", "data"));
    fs.writeFileSync(path.join(dir, ".gitignore"), "data/\n.pipe/\n");
    fs.writeFileSync(path.join(dir, "proj", "data", "train.csv"), "x\n1\n");
    fs.writeFileSync(path.join(dir, "proj", "scripts", "prep.sh"), "cat \"$1\"\n");
    fs.writeFileSync(
      path.join(dir, "proj", "main.pipe"),
      [
        'import "./lib.pipe"',
        "pipeline main(seed: Int = 1) -> (n: Int) {",
        '  let d = prepare(src = "data/train.csv", seed = seed)',
        "  let c = count(data = d.data)",
        "  return (n = c.lines)",
        "}",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(dir, "proj", "lib.pipe"),
      [
        "action prepare(src: File, seed: Int) -> (data: File) {",
        '  uses "scripts/prep.sh"',
        '  shell "bash scripts/prep.sh ~{src} > ~{out.data}"',
        "}",
        "action count(data: File) -> (lines: Int) {",
        '  shell "wc -l < ~{data} > ~{out.lines}"',
        "}",
        "",
      ].join("\n"),
    );
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "one");
    fs.writeFileSync(path.join(dir, "proj", "scripts", "prep.sh"), "sort \"$1\"\n");
    git(dir, "commit", "-q", "-am", "two");
    return dir;
  }

  it("compares two revisions, a revision with the working tree, and leaves the repository alone", async () => {
    const dir = repo();
    edit(path.join(dir, "proj", "main.pipe"), "seed: Int = 1", "seed: Int = 2");
    const status = git(dir, "status", "--porcelain");

    const revs = await pipe(dir, "diff", "HEAD~1:proj/main.pipe", "HEAD:proj/main.pipe");
    expect(revs.err).toBe("");
    expect(revs.code).toBe(3);
    expect(revs.out).toContain("~ main/d\n    uses scripts/prep.sh: ");
    expect(revs.out).toContain("~ main/c: upstream main/d changed (uses scripts/prep.sh: ");

    const worktree = await pipe(path.join(dir, "proj"), "diff", "HEAD:./main.pipe", "main.pipe");
    expect(worktree.out).toBe("~ main/d\n    argument seed: 1 → 2\n~ main/c: upstream main/d changed (argument seed: 1 → 2)\n\n0 to add, 2 to rerun, 0 to remove, 0 unchanged\nreruns: 2 tasks (none declares a time)\n");

    // The index form, `:path`, is the staged version: the same as HEAD here.
    expect((await pipe(dir, "diff", ":proj/main.pipe", "HEAD:proj/main.pipe")).code).toBe(0);
    expect(git(dir, "status", "--porcelain")).toBe(status);
  });

  it("reads a plan JSON at a revision, and reports a missing revision or path", async () => {
    const dir = repo();
    const plan = await pipe(path.join(dir, "proj"), "plan", "--plan-only", "main.pipe");
    fs.writeFileSync(path.join(dir, "plan.json"), plan.out);
    git(dir, "add", "plan.json");
    git(dir, "commit", "-q", "-m", "plan");
    expect((await pipe(dir, "diff", "HEAD:plan.json", "proj/main.pipe")).code).toBe(0);

    const noRev = await pipe(dir, "diff", "nosuchrev:proj/main.pipe", "proj/main.pipe");
    expect(noRev.code).toBe(2);
    expect(noRev.err).toContain("proj/main.pipe does not exist in nosuchrev");
    const noPath = await pipe(dir, "diff", "HEAD~2:proj/other.pipe", "proj/main.pipe");
    expect(noPath.code).toBe(2);
  });
});

describe("edits to the examples", () => {
  it("a formatting-only change is no change", async () => {
    for (const name of ["hello", "sweep", "nested"]) {
      const dir = scratch(path.join(root, "examples", name));
      fs.rmSync(path.join(dir, ".pipe"), { recursive: true, force: true });
      fs.copyFileSync(path.join(dir, "main.pipe"), path.join(dir, "before.pipe"));
      const text = fs.readFileSync(path.join(dir, "main.pipe"), "utf8");
      fs.writeFileSync(path.join(dir, "main.pipe"), "# reformatted\n\n" + text.replace(/\n/g, "\n\n").replace(/ = /g, "  =  ").replace(/\{\n/g, "{   # block\n"));
      const r = await pipe(dir, "diff", "before.pipe", "main.pipe");
      expect(r.err).not.toContain("error");
      expect(r.out).toMatch(/^no changes: \d+ tasks? unchanged\n$/);
      expect(r.code).toBe(0);
    }
  });

  it("one argument: the nested example's `with` seed reruns the one task it reaches", async () => {
    const dir = scratch(path.join(root, "examples", "nested"));
    fs.copyFileSync(path.join(dir, "main.pipe"), path.join(dir, "before.pipe"));
    edit(path.join(dir, "main.pipe"), "seed = 7", "seed = 8");
    const r = await pipe(dir, "diff", "before.pipe", "main.pipe");
    expect(r.out).toBe("~ main/i/t\n    argument seed: 7 → 8\n\n0 to add, 1 to rerun, 0 to remove, 0 unchanged\nreruns: 1 task (none declares a time)\n");
  });

  it("one sweep value: the sweep example's renamed lr is -/+ pairs and the fan-in reruns", async () => {
    const dir = scratch(path.join(root, "examples", "sweep"));
    fs.copyFileSync(path.join(dir, "main.pipe"), path.join(dir, "before.pipe"));
    edit(path.join(dir, "main.pipe"), "0.01,", "0.02,");
    const r = await pipe(dir, "diff", "--json", "before.pipe", "main.pipe");
    const json = JSON.parse(r.out);
    expect(json.summary).toEqual({ add: 2, rerun: 1, remove: 2, move: 0, unchanged: 4 });
    expect(json.changed.map((t: { id: string }) => t.id)).toEqual(["main/p"]);
    expect(json.changed[0].causes[0]).toMatchObject({ kind: "argument", name: "scores" });
  });

  it("one script and one input file: exactly the tasks that read them", async () => {
    const dir = scratch(path.join(fixtures, "input", "a"));
    fs.cpSync(dir, dir + "-b", { recursive: true });
    fs.appendFileSync(path.join(dir + "-b", "data", "test.csv"), "7,8\n");
    const r = await pipe(work, "diff", path.join(dir, "main.pipe"), path.join(dir + "-b", "main.pipe"));
    expect(r.out).toMatch(/^~ main\/te\n    input data\/test\.csv: [0-9a-f]{8} → [0-9a-f]{8}\n\n0 to add, 1 to rerun/);

    const uses = scratch(path.join(fixtures, "uses", "a"));
    fs.cpSync(uses, uses + "-b", { recursive: true });
    fs.appendFileSync(path.join(uses + "-b", "scripts", "prep.sh"), "# a comment counts: the file's content is the key\n");
    const u = await pipe(work, "diff", "--json", path.join(uses, "main.pipe"), path.join(uses + "-b", "main.pipe"));
    expect(JSON.parse(u.out).groups.map((g: { tasks: string[]; upstream: string[] }) => [g.tasks, g.upstream])).toEqual([
      [["main/d"], []],
      [["main/c"], ["main/d"]],
    ]);
  });
});

describe("tasks matched by what they are", () => {
  /** The tasks of `after` that really run after `before` ran: their key is not among its keys. */
  const reruns = (before: Plan, after: Plan) => {
    const keys = new Set(before.tasks.map((t) => t.key));
    return after.tasks.filter((t) => !keys.has(t.key)).map((t) => t.id).sort();
  };
  const ids = (refs: { id: string }[]) => refs.map((r) => r.id).sort();

  it("a sweep value added at the front of the ml-sweep example reports exactly the new tasks and the fan-ins", async () => {
    const dir = scratch(path.join(root, "examples", "ml-sweep"));
    fs.copyFileSync(path.join(dir, "main.pipe"), path.join(dir, "before.pipe"));
    edit(path.join(dir, "main.pipe"), "lrs: List[Float] = [0.1,", "lrs: List[Float] = [0.3, 0.1,");
    const json = JSON.parse((await pipe(dir, "diff", "--json", "before.pipe", "main.pipe")).out);
    expect(json.summary).toMatchObject({ add: 4, rerun: 3, remove: 0, move: 0 });
    expect(ids(json.added)).toEqual(["main/runs[lr=0.3,n=200]", "main/runs[lr=0.3,n=50]", "main/scores[lr=0.3,n=200]", "main/scores[lr=0.3,n=50]"]);
    const [before, after] = [await planOf(path.join(dir, "before.pipe")), await planOf(path.join(dir, "main.pipe"))];
    expect([...ids(json.added), ...ids(json.changed)].sort()).toEqual(reruns(before, after));
  });

  it("a task whose key is on both sides under another id has moved: it does not rerun, and references to it are renamed", async () => {
    const dir = scratch(path.join(root, "examples", "ml-sweep"));
    const before = await planOf(path.join(dir, "main.pipe"));
    // The same plan with the evaluations' ids by position, as an earlier version wrote them.
    const scores = before.tasks.filter((t) => t.id.startsWith("main/scores["));
    const text = scores.reduce((json, t, i) => json.split(JSON.stringify(t.id)).join(JSON.stringify(`main/scores[m=#${i}]`)), JSON.stringify(before));
    fs.writeFileSync(path.join(dir, "positional.json"), text);
    fs.copyFileSync(path.join(dir, "main.pipe"), path.join(dir, "before.pipe"));
    edit(path.join(dir, "main.pipe"), "lrs: List[Float] = [0.1,", "lrs: List[Float] = [0.3, 0.1,");
    const r = await pipe(dir, "diff", "--json", "positional.json", "main.pipe");
    expect(r.code).toBe(3);
    const json = JSON.parse(r.out);
    expect(json.summary).toMatchObject({ add: 4, rerun: 3, remove: 0, move: 6 });
    expect(json.moved.map((m: { was: string; id: string }) => [m.was, m.id])).toEqual(scores.map((t, i) => [`main/scores[m=#${i}]`, t.id]));
    expect([...ids(json.added), ...ids(json.changed)].sort()).toEqual(reruns(before, await planOf(path.join(dir, "main.pipe"))));
    // The fan-in's list lost no item: the moved ones are the same outputs under new names.
    const pick = json.changed.find((t: { id: string }) => t.id === "main/pick");
    expect(pick.causes[0].text).toBe("argument scores: 6 → 8 items, +main/scores[lr=0.3,n=50].mse, +main/scores[lr=0.3,n=200].mse");

    const text2 = (await pipe(dir, "diff", "positional.json", "main.pipe")).out;
    expect(text2).toContain("> main/scores[m=#0] → main/scores[lr=0.1,n=50] (moved: same key)\n");
    expect(text2).toContain("4 to add, 3 to rerun, 0 to remove, 6 moved, 8 unchanged\n");
    // Moving alone is a change of the plan, with nothing to rerun.
    const moves = await pipe(dir, "diff", "positional.json", "before.pipe");
    expect(moves.code).toBe(3);
    expect(moves.out).toMatch(/\n0 to add, 0 to rerun, 0 to remove, 6 moved, 11 unchanged\n$/);
  });
});

describe("pipe why", () => {
  function runAll(plan: Plan, projectDir: string): void {
    const store = path.join(projectDir, ".pipe", "store");
    for (const task of plan.tasks) {
      const script = path.join(projectDir, "task.sh");
      fs.writeFileSync(script, taskScript(plan, task));
      execFileSync("bash", [script], { env: { ...process.env, PIPE_STORE: store, PIPE_PROJECT: projectDir } });
    }
  }

  it("names the root cause through the chain, against the entries the last run read", async () => {
    const dir = scratch(path.join(fixtures, "chain", "a"));
    const file = path.join(dir, "main.pipe");
    runAll(await planOf(file), dir);

    const cached = await pipe(dir, "why", "main/e", "main.pipe");
    expect(cached.out).toMatch(/^main\/e is cached: key [0-9a-f]{8} is in the store\n$/);

    edit(file, "seed: Int = 1", "seed: Int = 2");
    const r = await pipe(dir, "why", "main/e", "main.pipe");
    expect(r.code).toBe(0);
    expect(r.out.replace(/[0-9a-f]{8}/g, "KEY").replace(/finished [^);]*/, "finished T")).toBe(
      [
        "main/e will run: key KEY is not in the store",
        "compared with its most recent run (key KEY, finished T):",
        "    upstream main/t (KEY → KEY) changed, because of:",
        "        main/d (KEY → KEY):",
        "            argument seed: 1 → 2",
        "",
      ].join("\n"),
    );

    const json = JSON.parse((await pipe(dir, "why", "--json", "main/d", "main.pipe")).out);
    expect(json).toMatchObject({ ok: true, state: "run", reason: "new key", previous: { causes: [{ kind: "argument", name: "seed", from: 1, to: 2 }] } });
  });

  const SWEEP = `
action prep(seed: Int) -> (d: File) {
  uses "prep.sh"
  shell "bash prep.sh ~{seed} > ~{out.d}"
}
action train(d: File, lr: Float, epochs: Int, tag: String = "a") -> (m: File) {
  shell "cat ~{d} > ~{out.m}; echo ~{lr} ~{epochs} ~{tag} >> ~{out.m}"
}
action score(m: File) -> (s: Float) {
  shell "echo 1 > ~{out.s}"
}
action pick(xs: List[Float]) -> (best: Float) {
  shell "echo 1 > ~{out.best}"
}
action all(ms: List[File]) -> (n: Int) {
  shell "echo 1 > ~{out.n}"
}
action report(best: Float, n: Int) -> (r: File) {
  shell "echo ~{best} ~{n} > ~{out.r}"
}
pipeline main(tag: String = "a") -> (r: File) {
  let d = prep(seed = 1)
  let runs = for lr in [0.1, 0.2, 0.3], epochs in [1, 2] { train(d = d.d, lr = lr, epochs = epochs, tag = tag) }
  let scores = for m in runs.m { score(m = m) }
  let p = pick(xs = scores.s)
  let a = all(ms = runs.m)
  let rep = report(best = p.best, n = a.n)
  return (r = rep.r)
}
`;

  it("names each root cause once, however many paths reach it, and groups the roots like pipe diff", async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP);
    fs.writeFileSync(path.join(dir, "prep.sh"), "echo $1\n");
    const file = path.join(dir, "main.pipe");
    runAll(await planOf(file), dir);
    fs.appendFileSync(path.join(dir, "prep.sh"), "# changed\n");
    const r = await pipe(dir, "why", "main/rep", "main.pipe");
    expect(r.out.replace(/[0-9a-f]{8}/g, "KEY").replace(/finished [^);]*/, "finished T")).toBe(
      [
        "main/rep will run: key KEY is not in the store",
        "compared with its most recent run (key KEY, finished T):",
        "    upstream main/a (KEY → KEY), main/p (KEY → KEY) changed, because of:",
        "        main/d (KEY → KEY):",
        "            uses prep.sh: KEY → KEY",
        "        through 12 tasks: 6 in main/runs, 6 in main/scores",
        "",
      ].join("\n"),
    );
    const json = JSON.parse((await pipe(dir, "why", "--json", "main/rep", "main.pipe")).out);
    expect(json.previous.roots).toHaveLength(1);
    expect(json.previous.roots[0].tasks.map((t: { id: string }) => t.id)).toEqual(["main/d"]);
    expect(json.previous.through).toHaveLength(12);

    // Six roots with one cause, one sweep: one group.
    runAll(await planOf(file), dir);
    edit(file, 'main(tag: String = "a")', 'main(tag: String = "b")');
    const six = await pipe(dir, "why", "main/rep", "main.pipe");
    expect(six.out).toContain(
      ["        6 tasks in main/runs:", "            argument tag: \"a\" → \"b\"", "            main/runs[lr=0.1,epochs=1], main/runs[lr=0.1,epochs=2], main/runs[lr=0.2,epochs=1], main/runs[lr=0.2,epochs=2], main/runs[lr=0.3,epochs=1], main/runs[lr=0.3,epochs=2]", "        through 6 tasks: 6 in main/scores\n"].join("\n"),
    );
  });

  it("pipe plan shows each rerun's root cause in a few words", async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, "main.pipe"), SWEEP);
    fs.writeFileSync(path.join(dir, "prep.sh"), "echo $1\n");
    const file = path.join(dir, "main.pipe");
    const fresh = await pipe(dir, "plan", "main.pipe");
    // Nothing has run: every task is simply new.
    expect(fresh.out.split("\n").filter((l) => l.startsWith("  run")).every((l) => l.endsWith("  new key"))).toBe(true);
    runAll(await planOf(file), dir);
    fs.appendFileSync(path.join(dir, "prep.sh"), "# changed\n");
    edit(file, 'main(tag: String = "a")', 'main(tag: String = "b")');
    const r = await pipe(dir, "plan", "main.pipe");
    const why = Object.fromEntries(r.out.split("\n").filter((l) => l.startsWith("  run")).map((l) => [l.split(/\s+/)[2], l.replace(/^.*[0-9a-f]{12} {2}/, "")]));
    expect(why["main/d"]).toBe("uses prep.sh changed");
    expect(why["main/runs[lr=0.1,epochs=1]"]).toBe('argument tag: "a" → "b"; upstream main/d (uses prep.sh changed)');
    expect(why["main/scores[lr=0.1,epochs=1]"]).toBe("upstream main/d and 1 more");
    expect(why["main/rep"]).toBe("upstream main/d and 6 more");
    edit(file, 'main(tag: String = "b")', 'main(tag: String = "a")');
    const json = JSON.parse((await pipe(dir, "plan", "--json", "main.pipe")).out);
    const cause = (id: string) => json.tasks.find((t: { id: string }) => t.id === id).cause;
    expect(cause("main/d")).toBe("uses prep.sh changed");
    expect(cause("main/rep")).toBe("upstream main/d (uses prep.sh changed)");
    expect(json.tasks.find((t: { id: string }) => t.id === "main/rep").reason).toBe("new key");
  });

  it("finds a task's earlier run by what it reads when a value added in front shifted positional ids", async () => {
    const dir = scratch(path.join(fixtures, "positions-front", "a"));
    const file = path.join(dir, "main.pipe");
    const first = await planOf(file);
    runAll(first, dir);
    fs.copyFileSync(path.join(fixtures, "positions-front", "b", "main.pipe"), file);
    edit(file, "cat ~{model} > ~{out.s}", "cat ~{model} | tr -d x > ~{out.s}");
    // main/scores[m=#1] is now the evaluation of main/a, which ran as main/scores[m=#0].
    const wasFirst = first.tasks.find((t) => t.id === "main/scores[m=#0]")!.key;
    const r = await pipe(dir, "why", "main/scores[m=#1]", "main.pipe");
    expect(r.out).toContain(`compared with its most recent run (key ${wasFirst.slice(0, 8)}`);
    expect(r.out).toContain("    definition of score changed:");
    expect(r.out).not.toContain("argument");
    const p = await pipe(dir, "why", "main/p", "main.pipe");
    expect(p.out).toContain("    argument scores: 2 → 3 items, +main/scores[m=#0].s\n");
    expect(p.out).toMatch(/ {4}upstream main\/scores\[m=#1\] \(\w+ → \w+\), main\/scores\[m=#2\] \(\w+ → \w+\) changed, because of:\n {8}2 tasks in main\/scores:\n {12}definition of score changed:/);
  });

  it("names a renamed input with the same content as the root cause", async () => {
    const dir = scratch(path.join(fixtures, "renamed-input", "a"));
    const file = path.join(dir, "main.pipe");
    runAll(await planOf(file), dir);
    fs.renameSync(path.join(dir, "data/train.csv"), path.join(dir, "data/train-renamed.csv"));
    edit(file, "data/train.csv", "data/train-renamed.csv");
    const r = await pipe(dir, "why", "main/tr", "main.pipe");
    expect(r.out).toContain("will run: key");
    expect(r.out).toContain("    argument src: data/train.csv → data/train-renamed.csv\n");
  });

  it("compares with the most recent of several runs, and says when there is none", async () => {
    const dir = scratch(path.join(fixtures, "definition", "a"));
    const file = path.join(dir, "main.pipe");
    runAll(await planOf(file), dir);
    edit(file, "echo training", "echo warming up");
    const first = await planOf(file);
    runAll(first, dir);
    // The newest entry must be the one compared with: make its end time unambiguous.
    const task = first.tasks.find((t) => t.id === "main/runs[lr=0.1,epochs=1]")!;
    const meta = path.join(dir, ".pipe", "store", task.key, "meta.json");
    fs.writeFileSync(meta, fs.readFileSync(meta, "utf8").replace(/"end":"[^"]*"/, '"end":"2999-01-01T00:00:00Z"'));
    edit(file, "echo ~{lr} >", "echo ~{lr} ~{epochs} >");
    const r = await pipe(dir, "why", "main/runs[lr=0.1,epochs=1]", "main.pipe");
    expect(r.out).toContain("finished 2999-01-01T00:00:00Z; 1 older in the store):\n    definition of train changed:\n      @@ -2,2 +2,2 @@\n       echo warming up\n      -echo ~{lr} > ~{out.score}\n      +echo ~{lr} ~{epochs} > ~{out.score}\n");

    fs.writeFileSync(path.join(dir, "other.pipe"), 'action x() -> (o: File) { shell "touch ~{out.o}" }\npipeline main() -> (o: File) { let x = x() return (o = x.o) }\n'.replace(" return", "\n  return"));
    const none = await pipe(dir, "why", "main/x", "other.pipe");
    expect(none.out).toContain("the store has no earlier run of main/x to compare with");

    const unknown = await pipe(dir, "why", "main/runs[lr=0.1,epochs=9]", "main.pipe");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("did you mean main/runs[lr=0.1,epochs=1]?");
  });
});

describe("the cost of what reruns", () => {
  it("sums declared time × GPUs and × CPUs, and says what it could not count", async () => {
    const { formatCost, rerunCost } = await import("../../src/diff/cost.js");
    const cost = rerunCost([
      { resources: { gpus: 2, cpus: 8, time: 9000 } },
      { resources: { time: 300 } },
      { resources: {} },
    ]);
    expect(cost).toEqual({ tasks: 3, gpuHours: 5, cpuHours: 20.083, untimed: 1 });
    expect(formatCost(cost)).toBe("reruns: 3 tasks, up to 5 GPU-hours and 20 CPU-hours (1 task without a declared time not counted)");
    expect(formatCost({ tasks: 1, gpuHours: 0, cpuHours: 1, untimed: 0 })).toBe("reruns: 1 task, up to 1 CPU-hour");
    expect(formatCost(rerunCost([{ resources: { time: 300 } }]))).toBe("reruns: 1 task, up to 0.083 CPU-hours");
    expect(formatCost(rerunCost([{ resources: {} }]))).toBe("reruns: 1 task (none declares a time)");
  });

  it("is shown by pipe plan, in text and JSON", async () => {
    const dir = scratch(path.join(fixtures, "chain", "a"));
    const text = await pipe(dir, "plan", "main.pipe");
    expect(text.out).toContain("4 to run, 0 cached\nreruns: 4 tasks, up to 2.5 GPU-hours and 17 CPU-hours (1 task without a declared time not counted)\n");
    const json = JSON.parse((await pipe(dir, "plan", "--json", "main.pipe")).out);
    expect(json.summary.cost).toEqual({ tasks: 4, gpuHours: 2.5, cpuHours: 16.667, untimed: 1 });
  });
});
