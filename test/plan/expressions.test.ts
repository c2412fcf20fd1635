// Expressions as plans see them: `glob` files labelled by name and keyed by content,
// `if`, comparisons, list operators and built-ins evaluated when the plan is made, `flag`
// and `~~{` in commands, resources computed from values (in the plan, the local scheduler,
// Slurm directives and the cost, never in the key), and the mistakes found only once values
// are known, placed at the call or expression that made them.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { zipLengthsProblem } from "../../src/plan/zip-lengths.js";
import { glob } from "../../src/check/glob.js";
import { shellQuote } from "../../src/shell/quote.js";
import { nodeFileHost } from "../../src/host.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, keysOf, mustPlan, planOf, project, writeFiles } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const COUNT = `
action count(f: File, name: String) -> (n: String) {
  shell "echo ~{name} $(wc -l < ~{f}) > ~{out.n}"
}
pipeline main() -> (ns: List[String]) {
  let per = for f in glob("data/**/*.csv") { count(f = f, name = stem(f)) }
  return (ns = per.n)
}
`;

describe("glob", () => {
  it("finds the project's files, sorted, labels tasks by file name and keys them by content and path", async () => {
    const dir = project({
      "main.pipe": COUNT,
      "data/b.csv": "1\n",
      "data/a.csv": "1\n2\n",
      "data/sub/c.csv": "x\n",
      "data/.hidden.csv": "h\n",
      "data/notes.txt": "n\n",
      ".pipe/store/x.csv": "stored\n",
    });
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/per[f=a.csv]", "main/per[f=b.csv]", "main/per[f=c.csv]"]);
    expect(plan.tasks.map((t) => t.args["f"])).toEqual([{ $path: "data/a.csv" }, { $path: "data/b.csv" }, { $path: "data/sub/c.csv" }]);
    expect(plan.tasks[0]!.command).toBe(`echo a $(wc -l < data/a.csv) > "$out/n"`);
    expect(plan.tasks[0]!.files.map((f) => [f.role, f.path])).toEqual([["input", "data/a.csv"]]);
    const before = keysOf(plan);

    // One file's content changes, and a file is added: that task's key and one new task.
    writeFiles(dir, { "data/b.csv": "1\n2\n3\n", "data/ab.csv": "0\n" });
    const after = keysOf(await mustPlan(dir));
    expect(Object.keys(after)).toEqual(["main/per[f=a.csv]", "main/per[f=ab.csv]", "main/per[f=b.csv]", "main/per[f=c.csv]"]);
    expect(after["main/per[f=a.csv]"]).toBe(before["main/per[f=a.csv]"]);
    expect(after["main/per[f=c.csv]"]).toBe(before["main/per[f=c.csv]"]);
    expect(after["main/per[f=b.csv]"]).not.toBe(before["main/per[f=b.csv]"]);
  });

  it("gives files of one name in two directories ids of their own", async () => {
    const dir = project({ "main.pipe": COUNT, "data/x/a.csv": "1\n", "data/y/a.csv": "2\n" });
    expect((await mustPlan(dir)).tasks.map((t) => t.id)).toEqual(["main/per[f=a.csv]", "main/per[f=a.csv]#2"]);
  });

  it("is relative to the .pipe file that writes it, and runs", async () => {
    const dir = project({
      "main.pipe": `import "./lib/steps.pipe"\npipeline main() -> (ns: List[String]) {\n  let s = steps()\n  return (ns = s.ns)\n}\n`,
      "lib/steps.pipe": COUNT.replace("pipeline main()", "pipeline steps()").replace("data/**/*.csv", "../data/*.csv"),
      "data/a.csv": "1\n2\n",
    });
    const io = recordingIo(dir);
    expect(await run(["run", path.join(dir, "main.pipe")], io)).toBe(0);
    expect(io.stdout()).toContain("ns = [a 2]");
  });

  it("does not follow a link to a directory with `**`, and takes a link to a file as a file", async () => {
    const dir = project({ "main.pipe": COUNT, "data/a.csv": "1\n", "elsewhere/b.csv": "2\n" });
    fs.symlinkSync(path.join(dir, "data"), path.join(dir, "data", "loop"));
    fs.symlinkSync(path.join(dir, "elsewhere", "b.csv"), path.join(dir, "data", "b.csv"));
    expect((await mustPlan(dir)).tasks.map((t) => t.args["f"])).toEqual([{ $path: "data/a.csv" }, { $path: "data/b.csv" }]);
  });

  it("never searches the project's .pipe/ or a store elsewhere, nor hidden directories, and follows a named link", async () => {
    const dir = project({
      "main.pipe": COUNT.replace("data/**/*.csv", "**/*.csv"),
      "a.csv": "1\n",
      ".pipe/store/k/out.csv": "stored\n",
      "results/store/.locks/x": "",
      "results/store/k/out.csv": "stored\n",
      "results/kept.csv": "1\n",
      ".git/x.csv": "1\n",
      "elsewhere/linked.csv": "1\n",
    });
    fs.symlinkSync(path.join(dir, "elsewhere"), path.join(dir, "data"));
    const found = glob("data/*.csv", dir, dir, nodeFileHost);
    expect(found.ok && found.files.map((f) => path.relative(dir, f))).toEqual(["data/linked.csv"]);
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => t.args["f"])).toEqual([{ $path: "a.csv" }, { $path: "elsewhere/linked.csv" }, { $path: "results/kept.csv" }]);
  });

  it("walks a directory of 20,000 files in a fraction of a second, reading no file", () => {
    const dir = project({});
    fs.mkdirSync(path.join(dir, "data"));
    for (let i = 0; i < 20_000; i++) fs.writeFileSync(path.join(dir, "data", `${String(i).padStart(5, "0")}.${i % 2 ? "csv" : "txt"}`), "");
    const host = { ...nodeFileHost, readFile: () => { throw new Error("glob read a file"); } };
    const start = performance.now();
    const found = glob("data/*.csv", dir, dir, host);
    const ms = performance.now() - start;
    expect(found.ok && found.files.length).toBe(10_000);
    expect(found.ok && path.basename(found.files[0]!)).toBe("00001.csv");
    expect(ms).toBeLessThan(5_000);
  }, 60_000);
});

const CHOOSE = `
action fit(data: File, threads: Int = 1, big: Bool = false, gpu: Bool = false) -> (model: File) {
  resources { cpus = threads, mem = if big then "64G" else "8G", gpus = if gpu then 1 else 0, time = if big then "2h" else "10m" }
  shell "echo ~{data} ~{threads} > ~{out.model}"
}
pipeline main(big: Bool = false, n: Int = 2, mem: String = "4G") -> (m: File) {
  with { threads = if big then 4 else 1 }
  let f = fit(data = "x.csv", big = big) resources { mem = if n > 3 then mem else "2G" }
  return (m = f.model)
}
`;

describe("resources from values", () => {
  it("are evaluated for each task, into the plan, and stay out of the key", async () => {
    const dir = project({ "main.pipe": CHOOSE, "x.csv": "1\n" });
    const small = await mustPlan(dir);
    expect(small.tasks[0]!.resources).toEqual({ cpus: 1, gpus: 0, mem: 2048, time: 600 });
    const bigger = await mustPlan(dir, { pairs: ["n=5", "mem=12G"] });
    expect(bigger.tasks[0]!.resources).toEqual({ cpus: 1, gpus: 0, mem: 12288, time: 600 });
    expect(bigger.tasks[0]!.key).toBe(small.tasks[0]!.key);
    const big = await mustPlan(dir, { pairs: ["big=true"] });
    expect(big.tasks[0]!.resources).toEqual({ cpus: 4, gpus: 0, mem: 2048, time: 7200 });
  });

  it("reach `pipe plan`'s cost and the Slurm directives", async () => {
    const dir = project({ "main.pipe": CHOOSE, "x.csv": "1\n" });
    const io = recordingIo(dir);
    expect(await run(["plan", path.join(dir, "main.pipe"), "-p", "big=true"], io)).toBe(0);
    expect(io.stdout()).toContain("reruns: 1 task, up to 8 CPU-hours");
    const out = path.join(dir, "bundle");
    expect(await run(["emit", "slurm", path.join(dir, "main.pipe"), "-p", "big=true", "-p", "n=9", "-p", "mem=16G", "-o", out], recordingIo(dir))).toBe(0);
    const job = fs.readdirSync(path.join(out, "jobs")).map((f) => fs.readFileSync(path.join(out, "jobs", f), "utf8")).join("\n");
    expect(job).toContain("#SBATCH --cpus-per-task=4");
    expect(job).toContain("#SBATCH --mem=16G");
    expect(job).toContain("#SBATCH --time=02:00:00");
  });

  it("reach the local scheduler: a computed request past the machine is refused before anything starts", async () => {
    const dir = project({ "main.pipe": CHOOSE.replace('"64G"', '"100000G"'), "x.csv": "1\n" });
    const io = recordingIo(dir);
    expect(await run(["run", path.join(dir, "main.pipe"), "-p", "big=true"], io)).toBe(2);
    expect(io.stderr()).toMatch(/needs 4 cpus; this machine allows|needs 102400000 MiB/);
  });

  it("report an amount that is not valid at the call that produced it", async () => {
    const dir = project({ "main.pipe": CHOOSE, "x.csv": "1\n" });
    const { diagnostics } = await planOf(dir, { pairs: ["n=5", "mem=lots"] });
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["P4020", expect.stringMatching(/^resource `mem` is "lots", but must be a size such as "512M" or "4G"/)]]);
    const text = fs.readFileSync(path.join(dir, "main.pipe"), "utf8");
    expect(text.slice(diagnostics[0]!.span!.start, diagnostics[0]!.span!.end)).toMatch(/^fit\(data = "x.csv", big = big\) resources/);
    expect(text.slice(diagnostics[0]!.related![0]!.span.start, diagnostics[0]!.related![0]!.span.end)).toBe('mem = if n > 3 then mem else "2G"');
  });

  it("report a count below its minimum, from an action's own block, at the call", async () => {
    const dir = project({ "main.pipe": CHOOSE.replace("with { threads = if big then 4 else 1 }", "with { threads = 0 }"), "x.csv": "1\n" });
    const { diagnostics } = await planOf(dir);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["P4020", "resource `cpus` is 0, but must be a whole number, 1 or more"]]);
  });
});

describe("values known only at run time", () => {
  it("cannot choose a branch: reported where they are used", async () => {
    const dir = project({
      "main.pipe": `
action score() -> (s: Float) {
  shell "echo 0.5 > ~{out.s}"
}
action t(tag: String) -> (o: String) {
  shell "echo ~{tag} > ~{out.o}"
}
pipeline main() -> (o: String) {
  let s = score()
  let x = t(tag = if s.s > 0.4 then "good" else "bad")
  return (o = x.o)
}
`,
    });
    const { diagnostics } = await planOf(dir);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["P4021", "a compared value is known only when `main/s` has run"]]);
  });
});

describe("operators and built-ins", () => {
  it("evaluate as written: branches, comparisons, lists, indexes, len, range, flatten, basename, stem", async () => {
    const dir = project({
      "main.pipe": `
action t(s: String, xs: List[Int], n: Int, f: File) -> (o: String) {
  shell "echo ~{s} ~{xs} ~{n} ~{basename(f)} ~{stem(f)} > ~{out.o}"
}
pipeline main(k: Int = 3, name: String = "b", tag: String? = none, xs: List[Int] = [5, 6, 7]) -> (o: List[String]) {
  let runs = for seed in range(1, k) {
    t(s = if seed == 1 and not (name < "a") or tag != none then "one" else "other", xs = flatten([xs, range(k)]) + [xs[-1]], n = len(xs + xs), f = "dir/a.tar.gz")
  }
  return (o = runs.o)
}
`,
      "dir/a.tar.gz": "z",
    });
    const plan = await mustPlan(dir);
    expect(plan.tasks.map((t) => t.id)).toEqual(["main/runs[seed=1]", "main/runs[seed=2]"]);
    expect(plan.tasks.map((t) => t.command)).toEqual([
      `echo one 5 6 7 0 1 2 7 6 a.tar.gz a.tar > "$out/o"`,
      `echo other 5 6 7 0 1 2 7 6 a.tar.gz a.tar > "$out/o"`,
    ]);
    const none = await mustPlan(dir, { pairs: ["k=1"] });
    expect(none.tasks).toEqual([]);
  });

  it("check an index against a list known only from the parameters when planning", async () => {
    const dir = project({
      "main.pipe": `
action t(n: Int) -> (o: String) {
  shell "echo ~{n} > ~{out.o}"
}
pipeline main(xs: List[Int] = [1, 2]) -> (o: String) {
  let x = t(n = xs[2])
  return (o = x.o)
}
`,
    });
    expect((await mustPlan(dir, { pairs: ["xs=[1,2,3]"] })).tasks[0]!.command).toBe(`echo 3 > "$out/o"`);
    const { diagnostics } = await planOf(dir);
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([["P3050", "index 2 is out of range for a list of 2 values", "indexes go from 0 to 1 (or -1 to -2 from the end)"]]);
  });

  it("keep a path compared in a command relative: moving the project changes no key", async () => {
    const files = {
      "main.pipe": `
action t(f: File) -> (o: String) {
  shell """
    echo ~{if f == "data/a.csv" then "A" else "other"} > ~{out.o}
  """
}
pipeline main() -> (o: String) {
  let x = t(f = "data/a.csv")
  return (o = x.o)
}
`,
      "data/a.csv": "1\n",
    };
    const one = await mustPlan(project(files));
    const two = await mustPlan(project(files));
    expect(one.tasks[0]!.command).toBe(`echo A > "$out/o"`);
    expect(two.tasks[0]!.key).toBe(one.tasks[0]!.key);
    expect(Object.values(one.actions)[0]!.definition).toContain('~{(if (f == "data/a.csv") then "A" else "other")}');
  });

  it("evaluate only the branch taken", async () => {
    const dir = project({
      "main.pipe": `
action t(n: Int) -> (o: String) {
  shell "echo ~{n} > ~{out.o}"
}
pipeline main(xs: List[Int] = []) -> (o: String) {
  let x = t(n = if len(xs) > 0 then xs[0] else 0)
  return (o = x.o)
}
`,
    });
    expect((await mustPlan(dir)).tasks[0]!.command).toBe(`echo 0 > "$out/o"`);
  });
});

describe("flag and ~~{ in commands", () => {
  const FLAGS = `
action show(n: Int?, fast: Bool = false, tag: String? = none, inc: List[String] = [], name: String = "x y") -> (args: String) {
  shell """
    echo ~{flag("--n", n)} ~{flag("--fast", fast)} ~{flag("--tag", tag)} ~{flag("-I", inc)} ~{flag("--name", name)} ~~{not} > ~{out.args}
  """
}
pipeline main(fast: Bool = true, inc: List[String] = ["a", "b c"]) -> (args: String) {
  let s = show(n = 2, fast = fast, inc = inc)
  return (args = s.args)
}
`;

  it("render the flag before a present value, alone for true, before each element of a list", async () => {
    const dir = project({ "main.pipe": FLAGS });
    expect((await mustPlan(dir)).tasks[0]!.command).toBe(`echo --n 2 --fast  -I a -I 'b c' --name 'x y' ~{not} > "$out/args"`);
    expect((await mustPlan(dir, { pairs: ["fast=false", "inc=[]"] })).tasks[0]!.command).toBe(`echo --n 2    --name 'x y' ~{not} > "$out/args"`);
  });

  it("normative example 8 (examples/flags) prints `args = --n 2 --fast`", async () => {
    const dir = project({ "main.pipe": fs.readFileSync(path.resolve(import.meta.dirname, "../../examples/flags/main.pipe"), "utf8") });
    const io = recordingIo(dir);
    expect(await run(["run", path.join(dir, "main.pipe")], io)).toBe(0);
    expect(io.stdout()).toBe("args = --n 2 --fast\n");
  });
});

describe("zip lengths known only at run time", () => {
  it("have one message for the loop that meets them", () => {
    expect(zipLengthsProblem("main/w", [3, 3])).toBeUndefined();
    expect(zipLengthsProblem("main/w", [3, 2])).toBe("main/w: zip of lists of lengths 3 and 2: `zip` pairs values one to one and drops none");
  });
});

describe("a list in a command", () => {
  // From a few words to a fan-in's many.
  it.each([3, 65, 300])("of %i values writes each once, in order: an upstream value as its variable, a string quoted", async (n) => {
    const values = Array.from({ length: n }, (_, i) => i);
    const words = values.map((i) => (i % 2 ? `w ${i}` : `it's${i}`));
    const dir = project({
      "main.pipe": `
action one(i: Int) -> (o: Int) {
  shell "echo ~{i} > ~{out.o}"
}
action all(xs: List[Int], ws: List[String]) -> (o: File) {
  shell "echo ~{xs} ~{ws} > ~{out.o}"
}
pipeline main() -> (o: File) {
  let r = for i in [${values.join(", ")}] { one(i = i) }
  let a = all(xs = r.o, ws = [${words.map((w) => JSON.stringify(w)).join(", ")}])
  return (o = a.o)
}
`,
    });
    const plan = await mustPlan(dir);
    const all = plan.tasks[plan.tasks.length - 1]!;
    expect(all.deps).toHaveLength(n);
    expect(all.command).toBe(`echo ${values.map((i) => `"$in_${i}"`).join(" ")} ${words.map(shellQuote).join(" ")} > "$out/o"`);
  });
});
