// Structured outputs and output file names, run for real on the local backend and by the
// self-contained task scripts (as on Slurm): the same store, byte for byte; values read back
// by downstream commands, TypeScript actions and `pipe run`'s printed outputs; `~{out.NAME}`
// ending in the declared file name, sidecars beside it; a file name in the key.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { execa } from "execa";
import type { Plan } from "../../src/plan/plan.js";
import { taskScript } from "../../src/plan/script.js";
import { cleanLocalProjects, localProject, rerunBySelfContainedScripts, root, storeKeys } from "../local-harness.js";

afterAll(cleanLocalProjects);

async function pipe(dir: string, ...args: string[]) {
  const io = (await import("../helpers.js")).recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Every file under `dir` (meta.json's run times aside) with its content, by path. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, full);
    // The store's own dot-directories (.tmp, .locks, .needs) are the runs', not results.
    if (rel.startsWith(".")) continue;
    if (e.isFile()) out[rel] = e.name === "meta.json" ? JSON.stringify({ ...JSON.parse(fs.readFileSync(full, "utf8")), start: 0, end: 0 }) : fs.readFileSync(full, "utf8");
    else if (e.isDirectory()) out[`${rel}/`] = "";
  }
  return out;
}

const PROGRAM = String.raw`
action train(lr: Float) -> (model: File = "model.npz", index: File = "model.npz.tbi", plots: Dir = "my plots", ckpts: List[File] = "ckpts", metrics: {acc: Float, loss: Float, tags: List[String], extra: {n: Int?}} = "metrics.json") {
  shell """
    case ~{out.model} in */model.npz) ;; *) exit 3 ;; esac
    echo ~{lr} > ~{out.model}; echo index > ~{out.index}
    mkdir ~{out.plots}; mkdir ~{out.ckpts}; touch ~{out.ckpts}/b.ckpt ~{out.ckpts}/a.ckpt ~{out.ckpts}/.last
    printf '{"acc": %s, "loss": NaN, "tags": ["x y", "z"], "extra": {"n": null}}' ~{lr} > ~{out.metrics}
  """
}
action show(accs: List[Float], loss: Float, tags: List[String], ckpts: List[File], n: Int?) -> (line: String) {
  shell "printf '%s|' ~{accs} ~{loss} ~{tags} ~{n} > ~{out.line}; for c in ~{ckpts}; do basename \"$c\"; done >> ~{out.line}"
}
action summarize = ts "./summarize.ts#summarize"
pipeline main() -> (line: String, m: {acc: Float, loss: Float, tags: List[String], extra: {n: Int?}}, accs: List[Float], total: Float, ck: List[File]) {
  let runs = for lr in [0.3, 0.9] { train(lr = lr) }
  let s = show(accs = runs.metrics.acc, loss = runs[0].metrics.loss, tags = runs[0].metrics.tags, ckpts = runs[1].ckpts, n = runs[0].metrics.extra.n)
  let t = summarize(accs = runs.metrics.acc, metrics = runs[1].metrics)
  return (line = s.line, m = runs[1].metrics, accs = runs.metrics.acc, total = t.total, ck = runs[0].ckpts)
}
`;

const TS = `export function summarize(args: { accs: number[]; metrics: { acc: number; loss: number; tags: string[]; extra: { n?: number } } }): { total: number } {
  if (!Number.isNaN(args.metrics.loss) || args.metrics.tags[0] !== "x y") throw new Error("bad metrics " + JSON.stringify(args.metrics));
  return { total: args.accs.reduce((a, b) => a + b, 0) + args.metrics.acc };
}
`;

describe("structured outputs and output file names", () => {
  it("run locally and by the self-contained scripts alike, and read back everywhere", async () => {
    const dir = localProject("queue");
    // `runs[0]` is no expression of the language: the first run's outputs by a second loop over one value.
    const program = PROGRAM.replace(/runs\[0\]/g, "first").replace(/runs\[1\]/g, "second").replace(
      "  let s = show(",
      "  let first = train(lr = 0.3)\n  let second = train(lr = 0.9)\n  let s = show(",
    );
    fs.writeFileSync(path.join(dir, "main.pipe"), program);
    fs.writeFileSync(path.join(dir, "summarize.ts"), TS);
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    const entry = (k: string) => path.join(dir, ".pipe", "store", k);
    const lines = Object.fromEntries(r.out.trim().split("\n").map((l) => [l.slice(0, l.indexOf(" = ")), l.slice(l.indexOf(" = ") + 3)]));
    expect(lines["line"]).toBe("0.3|0.9|nan|x y|z|.last\\na.ckpt\\nb.ckpt");
    expect(lines["m"]).toBe('{acc = 0.9, extra = {n = none}, loss = nan, tags = ["x y", "z"]}');
    expect(lines["accs"]).toBe("[0.3, 0.9]");
    expect(lines["total"]).toBe("2.1");
    expect(lines["ck"]).toMatch(/^\["(.*)\/ckpts\/\.last", "\1\/ckpts\/a\.ckpt", "\1\/ckpts\/b\.ckpt"\]$/);

    const keys = storeKeys(dir);
    const train = keys.find((k) => fs.existsSync(path.join(entry(k), "model.npz")))!;
    expect(fs.readdirSync(entry(train)).sort()).toEqual(["ckpts", "meta.json", "metrics.json", "model.npz", "model.npz.tbi", "my plots"]);

    const { store } = await rerunBySelfContainedScripts(dir);
    expect(tree(store)).toEqual(tree(path.join(dir, ".pipe", "store")));
  });

  it("gives the command a scratch directory of its own in $PIPE_WORK, removed after the task, on both forms of the script", async () => {
    const dir = localProject("queue");
    const command = 'test -d \\"$PIPE_WORK\\" && test -z \\"$(ls -A \\"$PIPE_WORK\\")\\" && echo scratch > \\"$PIPE_WORK/x\\" && echo \\"$PIPE_WORK\\" > ~{out.w}';
    fs.writeFileSync(path.join(dir, "main.pipe"), `action a() -> (w: String) {\n  shell "${command}"\n}\npipeline main() -> (w: String) {\n  let x = a()\n  return (w = x.w)\n}\n`);
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    const [key] = storeKeys(dir);
    const local = fs.readFileSync(path.join(dir, ".pipe", "store", key!, "w"), "utf8").trim();
    expect(local).toMatch(/\/\.pipe\/store\/\.tmp\/scratch\.[^/]+$/);
    expect(fs.readdirSync(path.join(dir, ".pipe", "store", key!)).sort()).toEqual(["meta.json", "w"]);
    const { store } = await rerunBySelfContainedScripts(dir);
    const script = fs.readFileSync(path.join(store, key!, "w"), "utf8").trim();
    expect(script.startsWith(path.join(store, ".tmp") + "/")).toBe(true);
    for (const gone of [local, script]) expect(fs.existsSync(gone), gone).toBe(false);
    expect(fs.readdirSync(path.join(store, ".tmp"))).toEqual([]);
  });

  it("lends a scratch directory its task left empty to the next task, never one left with a file in it or made a link", async () => {
    const dir = localProject("queue");
    fs.mkdirSync(path.join(dir, "outside"));
    // Each task checks that its scratch is an empty directory of its own; the second leaves a
    // file in it, the third puts a link to a directory of the project in its place.
    fs.writeFileSync(
      path.join(dir, "scratch.sh"),
      ['test -d "$PIPE_WORK" && test ! -L "$PIPE_WORK" && test -z "$(ls -A "$PIPE_WORK")"', 'echo "$PIPE_WORK" > "$2"', 'case $1 in', '  1) echo x > "$PIPE_WORK/left" ;;', '  2) rmdir "$PIPE_WORK" && ln -s "$PWD/outside" "$PIPE_WORK" ;;', "esac", ""].join("\n"),
    );
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      'action a(i: Int) -> (w: String) {\n  shell "bash scratch.sh ~{i} ~{out.w}"\n}\npipeline main() -> (ws: List[String]) {\n  let xs = for i in [0, 1, 2, 3, 4, 5, 6, 7] { a(i = i) }\n  return (ws = xs.w)\n}\n',
    );
    const r = await pipe(dir, "run", "main.pipe", "-j", "1");
    expect(r.code, r.err).toBe(0);
    const plan = JSON.parse((await pipe(dir, "plan", "main.pipe", "--json")).out) as Plan;
    const lent = plan.tasks.map((t) => fs.readFileSync(path.join(dir, ".pipe", "store", t.key, "w"), "utf8").trim());
    // At most two tasks hold one at a time (one runs, one waits behind it on its launcher), so
    // eight tasks are lent four directories: the first two, and one in place of each not lent again.
    expect(new Set(lent).size, lent.join("\n")).toBe(4);
    expect(lent.slice(2)).not.toContain(lent[1]);
    expect(lent.slice(3)).not.toContain(lent[2]);
    expect(fs.readdirSync(path.join(dir, "outside"))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, ".pipe", "store", ".tmp"))).toEqual([]);
  });

  it("reads a fan-in over 1,500 projected outputs in the self-contained script (more than one argument can hold)", async () => {
    const dir = localProject("queue");
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      [
        "action evaluate(i: Int) -> (metrics: {acc: Float}) {",
        '  shell "echo \'{\\"acc\\": ~{i}}\' > ~{out.metrics}"',
        "}",
        "action count(xs: List[Float]) -> (n: String) {",
        '  shell "echo ~{xs} | wc -w > ~{out.n}"',
        "}",
        "pipeline main(k: List[Int]) -> (n: String) {",
        "  let evals = for i in k { evaluate(i = i) }",
        "  let c = count(xs = evals.metrics.acc)",
        "  return (n = c.n)",
        "}",
      ].join("\n"),
    );
    const k = `k=[${Array.from({ length: 1500 }, (_, i) => i).join(",")}]`;
    const r = await pipe(dir, "run", "main.pipe", "-p", k);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe("n = 1500\n");
    const [record] = (await import("../local-harness.js")).readRuns(dir);
    const plan = JSON.parse(fs.readFileSync(path.join(record!.dir, "plan.json"), "utf8")) as Plan;
    const count = plan.tasks.find((t) => t.id === "main/c")!;
    const script = taskScript(plan, count);
    expect(script.length).toBeGreaterThan(140_000);
    const file = path.join(dir, "count.sh");
    fs.writeFileSync(file, script);
    const s = await execa("bash", [file], { env: { PIPE_STORE: path.join(dir, ".pipe", "store"), PIPE_PROJECT: dir, PIPE_HOME: root, PIPE_FORCE: "1" }, reject: false });
    expect(s.exitCode, s.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, ".pipe", "store", count.key, "n"), "utf8").trim()).toBe("1500");
  }, 180_000);

  it("puts an output's file name in the key, and only when it has one", async () => {
    const dir = localProject("queue");
    const write = (decl: string) => fs.writeFileSync(path.join(dir, "main.pipe"), `action a() -> (${decl}) {\n  shell "echo > ~{out.m}"\n}\npipeline main() -> (m: File) {\n  let x = a()\n  return (m = x.m)\n}\n`);
    const keyOf = async () => {
      const r = await pipe(dir, "plan", "main.pipe", "--json");
      return (JSON.parse(r.out) as { tasks: { key: string }[] }).tasks[0]!.key;
    };
    write("m: File");
    const plain = await keyOf();
    write('m: File = "m"');
    const same = await keyOf();
    write('m: File = "m.npz"');
    const named = await keyOf();
    expect(new Set([plain, same, named]).size).toBe(3);
  });
});
