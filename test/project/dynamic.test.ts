// Dynamic fan-out with the local backend, through the real CLI on projects written here:
// normative example 6, runtime lists of several lengths (zero included), of records and of
// files, crossing with static and runtime lists, a pipeline as the body, nested dynamic
// loops, keys by value (growing the list by one runs one element task and the fan-ins; an
// upstream rerun that yields the same list reruns nothing below it), `pipe plan` before and
// after the upstream has run, a zip of runtime lists of different lengths, and a run
// interrupted in the middle of a loop and resumed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-dynamic-"));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function pipe(dir: string, ...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The tasks a `--json` run started, sorted. */
async function started(dir: string, ...args: string[]): Promise<{ code: number; tasks: string[]; result: Record<string, unknown> }> {
  const r = await pipe(dir, "run", "main.pipe", "--json", ...args);
  const events = r.out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code: r.code, tasks: events.filter((e) => e["type"] === "start").map((e) => e["task"] as string).sort(), result: events.at(-1)! };
}

const example6 = fs.readFileSync(path.join(root, "examples", "dynamic", "main.pipe"), "utf8");

describe("normative example 6", () => {
  it("plans the loop as pending, runs three work tasks, prints n = 3; a rerun runs nothing", async () => {
    const dir = project({ "main.pipe": example6 });
    const before = await pipe(dir, "plan", "main.pipe");
    expect(before.code).toBe(0);
    expect(before.out).toMatch(/^ {2}pending main\/w +one task per element of `main\/s\.parts`, known when `main\/s` has run$/m);
    expect(before.out).toMatch(/^ {2}pending main\/c +waits on the loop `main\/w`$/m);
    expect(before.out).toContain("1 to run, 0 cached, 2 pending");

    const graph = await pipe(dir, "graph", "main.pipe");
    expect(graph.out).toContain('"main/w" [label="main/w\\npending", style="rounded,filled,dashed", fillcolor="#eeeeee", tooltip="pending"];');
    expect(graph.out).toContain('"main/s" -> "main/w" [style=dashed];');
    const json = JSON.parse((await pipe(dir, "plan", "main.pipe", "--json")).out) as { summary: { pending: number }; pending: { id: string; state: string }[] };
    expect(json.summary.pending).toBe(2);
    expect(json.pending.map((p) => [p.id, p.state])).toEqual([
      ["main/w", "pending"],
      ["main/c", "pending"],
    ]);

    const first = await pipe(dir, "run", "main.pipe");
    expect(first.code).toBe(0);
    expect(first.out).toBe("n = 3\n");
    expect(first.err).toContain("expanded main/w");

    const after = await pipe(dir, "plan", "main.pipe", "--json");
    const plan = JSON.parse(after.out) as { tasks: { id: string; state: string; key: string }[]; pending: unknown[] };
    expect(plan.tasks.map((t) => [t.id, t.state])).toEqual([
      ["main/s", "cached"],
      ["main/w[p=p1]", "cached"],
      ["main/w[p=p2]", "cached"],
      ["main/w[p=p3]", "cached"],
      ["main/c", "cached"],
    ]);
    expect(plan.pending).toEqual([]);
    // Planned now: the graph has the loop's tasks; against k = 4, whose split has not run, `pipe diff` shows the loop pending.
    expect((await pipe(dir, "graph", "main.pipe")).out).toContain('"main/w[p=p2]" -> "main/c";');
    fs.writeFileSync(path.join(dir, "four.pipe"), example6.replace("k: Int = 3", "k: Int = 4"));
    const diff = await pipe(dir, "diff", "main.pipe", "four.pipe");
    expect(diff.out).toContain("? main/w: pending, one task per element of `main/s.parts`, known when `main/s` has run");
    expect(diff.out).toContain("~ main/s");

    const again = await started(dir);
    expect(again.tasks).toEqual([]);
    expect(again.result).toMatchObject({ status: "ok", outputs: { n: "3" } });
  });

  it("grows by one element: one new work task and the fan-in; shrinking to zero runs only the split and the fan-in", async () => {
    const dir = project({ "main.pipe": example6 });
    expect((await started(dir)).tasks).toHaveLength(5);
    const grown = await started(dir, "-p", "k=4");
    expect(grown.tasks).toEqual(["main/c", "main/s", "main/w[p=p4]"]);
    expect(grown.result).toMatchObject({ status: "ok", outputs: { n: "4" } });
    const none = await started(dir, "-p", "k=0");
    expect(none.tasks).toEqual(["main/c", "main/s"]);
    expect(none.result).toMatchObject({ status: "ok", outputs: { n: "0" } });
    expect((await started(dir, "-p", "k=3")).tasks).toEqual([]);
  });

  it("an upstream rerun that yields the same list reruns nothing below it", async () => {
    const dir = project({ "main.pipe": example6 });
    expect((await started(dir)).tasks).toHaveLength(5);
    // Another command, the same list.
    fs.writeFileSync(path.join(dir, "main.pipe"), example6.replace(/shell "seq[^\n]*/, `shell "printf '[\\"p1\\", \\"p2\\", \\"p3\\"]' > ~{out.parts}"`));
    const r = await started(dir);
    expect(r.tasks).toEqual(["main/s"]);
    expect(r.result).toMatchObject({ status: "ok", outputs: { n: "3" } });
  });
});

const work = `
action work(p: String) -> (y: String) {
  shell "echo ~{p}-done > ~{out.y}"
}
action join(ys: List[String]) -> (all: String) {
  shell "echo ~{ys} > ~{out.all}"
}
`;

describe("runtime lists", () => {
  it("a stored list that does not read as its type is an error of the plan (P4030), naming the list", async () => {
    const dir = project({ "main.pipe": example6 });
    expect((await pipe(dir, "run", "main.pipe")).code).toBe(0);
    const plan = JSON.parse((await pipe(dir, "plan", "main.pipe", "--json")).out) as { tasks: { id: string; key: string }[] };
    const key = plan.tasks.find((t) => t.id === "main/s")!.key;
    fs.writeFileSync(path.join(dir, ".pipe", "store", key, "parts"), '["p1", 2]\n');
    const r = await pipe(dir, "plan", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error P4030: cannot read the list `main\/s\.parts` from the store: /);
    expect(r.err).toContain("hint: run `main/s` again (`--force`)");
  });

  it("of records: each element a task with the record's fields, labelled by position", async () => {
    const dir = project({
      "main.pipe": `
action samples() -> (rows: List[{name: String, n: Int}]) {
  shell """printf '[{"name": "a", "n": 1}, {"name": "b", "n": 2}]' > ~{out.rows}"""
}
action times(name: String, n: Int) -> (y: String) {
  shell "printf '%s' ~{name}~{n} > ~{out.y}"
}
${work}
pipeline main() -> (all: String) {
  let s = samples()
  let t = for r in s.rows { times(name = r.name, n = r.n) }
  let j = join(ys = t.y)
  return (all = j.all)
}
`,
    });
    const r = await started(dir);
    expect(r.tasks).toEqual(["main/j", "main/s", "main/t[r=#0]", "main/t[r=#1]"]);
    expect(r.result).toMatchObject({ status: "ok", outputs: { all: "a1 b2" } });
  });

  it("of files (a List[File] output): each by its name; a new shard runs one task and the fan-in; the same files made again rerun nothing below", async () => {
    const shards = (names: string) => `
action shard(names: String) -> (parts: List[File]) {
  shell "mkdir ~{out.parts} && for n in ~{raw(names)}; do echo \\"content of $n\\" > ~{out.parts}/$n.txt; done"
}
action size(f: File) -> (n: String) {
  shell "cat ~{f} > ~{out.n}"
}
${work}
pipeline main(names: String = "${names}") -> (all: String) {
  let s = shard(names = names)
  let z = for f in s.parts { size(f = f) }
  let j = join(ys = z.n)
  return (all = j.all)
}
`;
    const dir = project({ "main.pipe": shards("a b") });
    const first = await started(dir);
    expect(first.tasks).toEqual(["main/j", "main/s", "main/z[f=a.txt]", "main/z[f=b.txt]"]);
    expect(first.result).toMatchObject({ status: "ok", outputs: { all: "content of a content of b" } });
    fs.writeFileSync(path.join(dir, "main.pipe"), shards("a b c"));
    expect((await started(dir)).tasks).toEqual(["main/j", "main/s", "main/z[f=c.txt]"]);
    // Another argument, the same files: only the shard task reruns.
    fs.writeFileSync(path.join(dir, "main.pipe"), shards("a  b c"));
    expect((await started(dir)).tasks).toEqual(["main/s"]);
  });

  it("of files from tasks made after a loop over another's, crossed: each element read from its own task", async () => {
    const dir = project({
      "main.pipe": `
action shard(names: String) -> (parts: List[File]) {
  shell "mkdir ~{out.parts} && for n in ~{raw(names)}; do echo \\"content of $n\\" > ~{out.parts}/$n.txt; done"
}
action size(f: File) -> (n: String) {
  shell "cat ~{f} > ~{out.n}"
}
action pair(a: File, b: File) -> (n: String) {
  shell "echo $(cat ~{a}) + $(cat ~{b}) > ~{out.n}"
}
${work}
pipeline main() -> (first: String, second: String) {
  let s = shard(names = "a b")
  let z = for f in s.parts { size(f = f) }
  let t = shard(names = "c")
  let u = shard(names = "d")
  let y = for f in t.parts, g in u.parts { pair(a = f, b = g) }
  let j = join(ys = z.n)
  let k = join(ys = y.n)
  return (first = j.all, second = k.all)
}
`,
    });
    const first = await started(dir);
    expect(first.tasks).toEqual(["main/j", "main/k", "main/s", "main/t", "main/u", "main/y[f=c.txt,g=d.txt]", "main/z[f=a.txt]", "main/z[f=b.txt]"]);
    expect(first.result).toMatchObject({ status: "ok", outputs: { first: "content of a content of b", second: "content of c + content of d" } });
    const plan = JSON.parse((await pipe(dir, "plan", "main.pipe", "--plan-only")).out) as { tasks: { id: string; deps: string[] }[] };
    expect(plan.tasks.find((t) => t.id === "main/y[f=c.txt,g=d.txt]")!.deps).toEqual(["main/t", "main/u"]);
  });

  it("crossed with a static list and with another runtime list; zipped with one of the same length", async () => {
    const dir = project({
      "main.pipe": `
action letters(s: String) -> (xs: List[String]) {
  shell "printf '%s' ~{s} > ~{out.xs}"
}
action pair(a: String, b: String, lr: Float = 0.0) -> (y: String) {
  shell "echo ~{a}~{b}~{lr} > ~{out.y}"
}
${work}
pipeline main() -> (cross: String, two: String, zipped: String) {
  let u = letters(s = """["a", "b"]""")
  let v = letters(s = """["x", "y", "z"]""")
  let w = letters(s = """["1", "2"]""")
  let c = for a in u.xs, lr in [0.1, 0.2] { pair(a = a, b = "", lr = lr) }
  let d = for a in u.xs, b in v.xs { pair(a = a, b = b) }
  let z = for (a, b) in zip(u.xs, w.xs) { pair(a = a, b = b) }
  let jc = join(ys = c.y)
  let jd = join(ys = d.y)
  let jz = join(ys = z.y)
  return (cross = jc.all, two = jd.all, zipped = jz.all)
}
`,
    });
    const r = await started(dir);
    expect(r.code).toBe(0);
    expect(r.tasks.filter((t) => t.startsWith("main/c["))).toEqual(["main/c[a=a,lr=0.1]", "main/c[a=a,lr=0.2]", "main/c[a=b,lr=0.1]", "main/c[a=b,lr=0.2]"]);
    expect(r.tasks.filter((t) => t.startsWith("main/d["))).toHaveLength(6);
    expect(r.tasks.filter((t) => t.startsWith("main/z["))).toEqual(["main/z[a=a,b=1]", "main/z[a=b,b=2]"]);
    expect(r.result).toMatchObject({ status: "ok", outputs: { cross: "a0.1 a0.2 b0.1 b0.2", two: "ax0.0 ay0.0 az0.0 bx0.0 by0.0 bz0.0", zipped: "a10.0 b20.0" } });
  });

  it("a zip of runtime lists of different lengths fails the loop at run time with the lengths", async () => {
    const dir = project({
      "main.pipe": `
action letters(s: String) -> (xs: List[String]) {
  shell "printf '%s' ~{s} > ~{out.xs}"
}
action pair(a: String, b: String) -> (y: String) {
  shell "echo ~{a}~{b} > ~{out.y}"
}
${work}
pipeline main() -> (all: String) {
  let u = letters(s = """["a", "b"]""")
  let w = letters(s = """["1", "2", "3"]""")
  let z = for (a, b) in zip(u.xs, w.xs) { pair(a = a, b = b) }
  let j = join(ys = z.y)
  return (all = j.all)
}
`,
    });
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code).toBe(1);
    expect(r.err).toContain("failed: the loop main/z could not be planned:");
    expect(r.err).toContain("error P3060: the loop `main/z` zips lists of different lengths at run time: `main/u.xs` of 2, `main/w.xs` of 3");
    expect(r.out).toBe("");
    // Once the lists are in the store, the plan itself says so.
    const plan = await pipe(dir, "plan", "main.pipe");
    expect(plan.code).toBe(2);
    expect(plan.err).toMatch(/main\.pipe:\d+:25: error P3060: /);
  });

  it("with a pipeline as the body, its own sweep and fan-in, and a dynamic loop nested inside it", async () => {
    const dir = project({
      "main.pipe": `
action split(s: String) -> (xs: List[String]) {
  shell "printf '%s' ~{s} > ~{out.xs}"
}
action letters(p: String) -> (xs: List[String]) {
  shell """printf '["%s-a", "%s-b"]' ~{p} ~{p} > ~{out.xs}"""
}
action tag(p: String, k: Int) -> (y: String) {
  shell "echo ~{p}.~{k} > ~{out.y}"
}
${work}
pipeline inner(p: String) -> (all: String, deep: String) {
  let t = for k in [1, 2] { tag(p = p, k = k) }
  let j = join(ys = t.y)
  let l = letters(p = p)
  let m = for q in l.xs { work(p = q) }
  let jm = join(ys = m.y)
  return (all = j.all, deep = jm.all)
}
pipeline main() -> (all: String, deep: String) {
  let s = split(s = """["x", "y"]""")
  let r = for p in s.xs { inner(p = p) }
  let j = join(ys = r.all)
  let d = join(ys = r.deep)
  return (all = j.all, deep = d.all)
}
`,
    });
    const before = await pipe(dir, "plan", "main.pipe");
    expect(before.out).toMatch(/pending main\/r +one task per element of `main\/s\.xs`/);
    const r = await started(dir);
    expect(r.code).toBe(0);
    expect(r.tasks).toContain("main/r[p=x]/t[k=2]");
    expect(r.tasks).toContain("main/r[p=y]/m[q=y-b]");
    expect(r.tasks).toHaveLength(1 + 2 * (2 + 1 + 1 + 2 + 1) + 2);
    expect(r.result).toMatchObject({ status: "ok", outputs: { all: "x.1 x.2 y.1 y.2", deep: "x-a-done x-b-done y-a-done y-b-done" } });
    expect((await started(dir)).tasks).toEqual([]);
  });
});

describe("a run interrupted in the middle of a dynamic loop", () => {
  it("resumes and finishes it, nothing partial in the store", async () => {
    const dir = project({
      "main.pipe": `
action split(n: Int) -> (parts: List[Int]) {
  shell "seq ~{n} | paste -sd, - | sed 's/.*/[&]/' > ~{out.parts}"
}
action slow(i: Int) -> (y: String) {
  shell "sleep 0.3; echo ~{i} > ~{out.y}"
}
${work}
pipeline main() -> (all: String) {
  let s = split(n = 8)
  let w = for i in s.parts { slow(i = i) }
  let j = join(ys = w.y)
  return (all = j.all)
}
`,
    });
    const child = execa("node", [path.join(root, "bin", "pipe.js"), "run", "main.pipe", "-j", "1"], { cwd: dir, reject: false, all: true });
    let seen = "";
    child.all!.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    const end = Date.now() + 20_000;
    while (!/done +main\/w\[i=2\]/.test(seen) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const first = await child;
    expect(first.exitCode).toBe(130);
    const store = path.join(dir, ".pipe", "store");
    const entries = fs.readdirSync(store).filter((n) => !n.startsWith("."));
    // Every entry is whole: its record is there.
    for (const e of entries) expect(fs.existsSync(path.join(store, e, "meta.json"))).toBe(true);
    expect(fs.readdirSync(path.join(store, ".tmp"))).toEqual([]);
    const resumed = await started(dir);
    expect(resumed.code).toBe(0);
    expect(resumed.tasks.length).toBeGreaterThan(1);
    expect(resumed.tasks).not.toContain("main/s");
    expect(resumed.tasks).not.toContain("main/w[i=1]");
    expect(resumed.result).toMatchObject({ status: "ok", outputs: { all: "1 2 3 4 5 6 7 8" } });
  });
});
