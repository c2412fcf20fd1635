// `pipe run` with the local backend, driven through the real CLI on copies of the fixtures in
// test/fixtures/local: the normative examples, caching, fail-fast and --keep-going, retries,
// broken outputs, GPUs, resources that cannot fit, records, `pipe logs` and `pipe history`.
// Interrupts and concurrent runs are in local-signals.test.ts (real processes, real signals).
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import type { Plan } from "../../src/plan/plan.js";
import { taskScript } from "../../src/plan/script.js";
import { recordingIo } from "../helpers.js";
import { cleanLocalProjects, localProject, readRuns, root, storeKeys, rerunBySelfContainedScripts, tmpLeft } from "../local-harness.js";

afterAll(cleanLocalProjects);

async function pipe(dir: string, ...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The JSON events of a `--json` run, in order. */
function events(out: string): Record<string, unknown>[] {
  return out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}
const started = (out: string) => events(out).filter((e) => e["type"] === "start").map((e) => e["task"]).sort();

describe("the normative examples", () => {
  it("example 5 (structured) prints best = 0.9, as the self-contained scripts compute it; a second run runs nothing", async () => {
    const dir = localProject("../../../examples/structured");
    const first = await pipe(dir, "run", "main.pipe");
    expect(first.code, first.err).toBe(0);
    expect(first.out).toBe("best = 0.9\n");
    expect(first.err).toContain("4 tasks: 4 to run, 0 cached");
    const second = await pipe(dir, "run", "main.pipe");
    expect(second.out).toBe("best = 0.9\n");
    expect(second.err).toContain("4 tasks: 0 to run, 4 cached");
    const { plan, store } = await rerunBySelfContainedScripts(dir);
    const top = plan.tasks.find((t) => t.id === "main/t")!;
    expect(fs.readFileSync(path.join(store, top.key, "best"), "utf8")).toBe("0.9\n");
    const evaluate = plan.tasks.find((t) => t.id === "main/evals[lr=0.9]")!;
    expect(fs.readFileSync(path.join(store, evaluate.key, "metrics"), "utf8")).toBe('{"acc": 0.9, "loss": 0.5}');
  });

  it("example 4 (nested) prints s = 7; a second run runs nothing", async () => {
    const dir = localProject("../../../examples/nested");
    const first = await pipe(dir, "run", "main.pipe");
    expect(first.code).toBe(0);
    expect(first.out).toBe("s = 7\n");
    expect(first.err).toContain("1 tasks: 1 to run, 0 cached");
    const second = await pipe(dir, "run", "main.pipe");
    expect(second.code).toBe(0);
    expect(second.out).toBe("s = 7\n");
    expect(second.err).toContain("1 tasks: 0 to run, 1 cached");
    expect(second.err).not.toContain("start ");
  });

  it("example 3 (sweep) prints best = 0.1; changing one swept value reruns only its trains and pick", async () => {
    const dir = localProject("../../../examples/sweep");
    const first = await pipe(dir, "run", "main.pipe", "--json");
    expect(first.code).toBe(0);
    expect(started(first.out)).toHaveLength(7);
    expect(events(first.out).at(-1)).toMatchObject({ type: "result", status: "ok", outputs: { best: "0.1" } });
    expect((await pipe(dir, "run", "main.pipe")).out).toBe("best = 0.1\n");

    const again = await pipe(dir, "run", "main.pipe", "--json");
    expect(started(again.out)).toEqual([]);
    expect(events(again.out)[0]).toMatchObject({ type: "plan", total: 7, toRun: 0, cached: 7 });

    // In a grid, one value of `lr` belongs to as many tasks as there are `epochs`.
    const file = path.join(dir, "main.pipe");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("0.001]", "0.5]"));
    const changed = await pipe(dir, "run", "main.pipe", "--json");
    expect(changed.code).toBe(0);
    expect(started(changed.out)).toEqual(["main/p", "main/runs[lr=0.5,epochs=1]", "main/runs[lr=0.5,epochs=2]"]);
    expect(events(changed.out).at(-1)).toMatchObject({ outputs: { best: "0.5" } });
  });

  it("in a one-dimensional sweep, changing one value reruns exactly one train and the pick", async () => {
    const dir = localProject("../../../examples/sweep");
    const file = path.join(dir, "main.pipe");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(", epochs in [1, 2]", "").replace("epochs = epochs", "epochs = 1"));
    expect((await pipe(dir, "run", "main.pipe")).out).toBe("best = 0.1\n");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("0.01,", "0.02,"));
    const changed = await pipe(dir, "run", "main.pipe", "--json");
    expect(started(changed.out)).toEqual(["main/p", "main/runs[lr=0.02]"]);
  });
});

describe("inputs with the same content", () => {
  it("under different names are two results, each with its own name", async () => {
    const dir = localProject("same-content");
    const r = await pipe(dir, "run", "--json", "main.pipe");
    expect(r.code).toBe(0);
    expect(started(r.out)).toEqual(["main/a", "main/b"]);
    const result = events(r.out).find((e) => e["type"] === "result") as { outputs: Record<string, string> };
    expect(result.outputs).toEqual({ a: "a.csv", b: "b.csv" });
    expect(storeKeys(dir)).toHaveLength(2);
  });
});

describe("failures", () => {
  it("fail-fast: the first failure terminates the running branch and starts nothing more", async () => {
    const dir = localProject("branches");
    const t0 = Date.now();
    const r = await pipe(dir, "run", "main.pipe", "-j", "2");
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1400); // `slow` sleeps 1.5 s: it was terminated
    expect(r.err).toContain("failed: main/f (exit 3)");
    expect(r.err).toContain("  | first words of broken\n  | last words of broken\n");
    expect(r.err).toMatch(/full log: \.pipe\/runs\/[^/]+\/logs\/\d+-main_f\.err/);
    expect(r.err).toContain("stopping after a failure");
    expect(r.out).toBe("");
    const [record] = readRuns(dir);
    expect(record!.status).toBe("failed");
    const states = Object.fromEntries(record!.tasks.map((t) => [t.id, t.state]));
    expect(states).toEqual({ "main/f": "failed", "main/s": "cancelled", "main/a": "skipped", "main/b": "cancelled" });
    expect(storeKeys(dir)).toEqual([]);
    expect(tmpLeft(dir)).toEqual([]);
    // The log named in the report holds the whole stderr.
    const log = /full log: (\S+)/.exec(r.err)![1]!;
    expect(fs.readFileSync(path.join(dir, log), "utf8")).toContain("last words of broken");
  });

  it("fail-fast also holds for the task queued behind the failing one: it never starts", async () => {
    const dir = localProject("queue");
    const r = await pipe(dir, "run", "main.pipe", "-j", "1", "--json");
    expect(r.code).toBe(1);
    expect(started(r.out)).toEqual(["main/b"]);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("ran-"))).toEqual([]);
    expect(readRuns(dir)[0]!.tasks.map((t) => t.state)).toEqual(["failed", "cancelled", "cancelled", "cancelled"]);
    expect(tmpLeft(dir)).toEqual([]);

    const going = await pipe(dir, "run", "main.pipe", "-j", "1", "--keep-going");
    expect(going.code).toBe(1);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("ran-")).sort()).toEqual(["ran-1", "ran-2", "ran-3"]);
    expect(storeKeys(dir)).toHaveLength(3);
  });

  it("fail-fast after an output check: a task that exited 0 with a bad output starts nothing queued behind it", async () => {
    for (const [type, command] of [
      ["Int", "echo abc > ~{out.o}"],
      ["File", "true"],
    ]) {
      const dir = localProject("queue");
      fs.writeFileSync(
        path.join(dir, "main.pipe"),
        [
          `action bad() -> (o: ${type}) {`,
          `  shell "${command}"`,
          "}",
          "action mark() -> (o: File) {",
          '  shell "touch ran && echo > ~{out.o}"',
          "}",
          "pipeline main() -> (b: " + type + ", m: File) {",
          "  let b = bad()",
          "  let m = mark()",
          "  return (b = b.o, m = m.o)",
          "}",
        ].join("\n"),
      );
      const r = await pipe(dir, "run", "main.pipe", "-j", "1", "--json");
      expect(r.code).toBe(1);
      expect(started(r.out)).toEqual(["main/b"]);
      expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
      const [record] = readRuns(dir);
      const mark = record!.tasks.find((t) => t.id === "main/m")!;
      // Its record says it never ran: no start, no attempt, no logs.
      expect(mark).toEqual({ id: "main/m", key: mark.key, state: "cancelled", reason: "new key" });
      expect(fs.readdirSync(path.join(record!.dir, "logs")).filter((f) => f.includes("main_m"))).toEqual([]);
      expect(storeKeys(dir)).toEqual([]);
      expect(tmpLeft(dir)).toEqual([]);
    }
  });

  it("a failure with retries left starts no retry once the run is stopping", async () => {
    const dir = localProject("queue");
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      [
        // At -j 2: r and c start, boom waits behind r; r fails at once, boom takes its place,
        // and r's retry waits behind c. boom fails: the run stops, and c, told to end, ends
        // well, which is when its launcher would start the retry.
        "action flaky() -> (o: File) {",
        "  retries = 2",
        '  shell "echo try >> tries; exit 1"',
        "}",
        "action lingers() -> (o: File) {",
        "  shell \"echo c > ~{out.o}; trap 'exit 0' TERM; sleep 5 & wait\"",
        "}",
        "action boom() -> (o: File) {",
        '  shell "sleep 0.5; exit 3"',
        "}",
        "pipeline main() -> (r: File, c: File, b: File) {",
        "  let r = flaky()",
        "  let c = lingers()",
        "  let b = boom()",
        "  return (r = r.o, c = c.o, b = b.o)",
        "}",
      ].join("\n"),
    );
    const r = await pipe(dir, "run", "main.pipe", "-j", "2", "--json");
    expect(r.code).toBe(1);
    const all = events(r.out);
    expect(started(r.out)).toEqual(["main/b", "main/c", "main/r"]);
    expect(all.find((e) => e["type"] === "failed" && e["task"] === "main/r")).toMatchObject({ retrying: true });
    expect(fs.readFileSync(path.join(dir, "tries"), "utf8")).toBe("try\n");
    const [record] = readRuns(dir);
    expect(record!.tasks.map((t) => [t.id, t.state, t.attempts])).toEqual([
      ["main/r", "cancelled", 1],
      ["main/c", "done", 1],
      ["main/b", "failed", 1],
    ]);
    expect(tmpLeft(dir)).toEqual([]);
  });

  it("--keep-going runs everything that does not depend on the failure", async () => {
    const dir = localProject("branches");
    const r = await pipe(dir, "run", "main.pipe", "-j", "2", "--keep-going");
    expect(r.code).toBe(1);
    expect(r.err).toContain("failed: main/f (exit 3)");
    expect(r.err).toContain("skipped  main/a: upstream main/f failed");
    const [record] = readRuns(dir);
    expect(Object.fromEntries(record!.tasks.map((t) => [t.id, t.state]))).toEqual({ "main/f": "failed", "main/s": "done", "main/a": "skipped", "main/b": "done" });
    expect(storeKeys(dir)).toHaveLength(2);
    expect(tmpLeft(dir)).toEqual([]);
    // The next run has only the failed branch left to do.
    const again = await pipe(dir, "run", "main.pipe", "--keep-going");
    expect(again.err).toContain("4 tasks: 2 to run, 2 cached");
  });

  it("retries: a task that fails twice and then succeeds, and one that runs out of retries", async () => {
    const dir = localProject("flaky");
    const ok = await pipe(dir, "run", "main.pipe");
    expect(ok.code).toBe(0);
    expect(ok.out).toBe("n = 3\n");
    expect(ok.err).toContain("failed   main/f (exit 1), retrying");
    expect(ok.err).toContain("start    main/f (attempt 3)");
    const [first] = readRuns(dir);
    expect(first!.tasks[0]).toMatchObject({ state: "done", attempts: 3, exitCode: 0 });
    // Every attempt's stderr is kept, in order.
    const log = fs.readFileSync(path.join(first!.dir, first!.tasks[0]!.stderr!), "utf8");
    expect(log).toMatch(/attempt 1[^]*attempt 2[^]*attempt 3/);
    // A header line opens each attempt in the logs.
    expect(log.match(/^==> pipe: attempt \d of 3 .*<==$/gm)).toEqual([1, 2, 3].map((n) => expect.stringContaining(`attempt ${n} of 3`)));
    // One row per attempt, each with its own start, end and exit code.
    const rows = fs.readFileSync(path.join(first!.dir, "tasks.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
    const f = rows.filter((r) => r[0] === "main/f");
    expect(f.map((r) => [r[1], r[2], r[6]])).toEqual([["failed", "1", "1"], ["failed", "2", "1"], ["done", "3", "0"]]);
    for (let k = 1; k < f.length; k++) expect(Date.parse(f[k]![3]!)).toBeGreaterThanOrEqual(Date.parse(f[k - 1]![4]!));
    for (const r of f) expect(Date.parse(r[4]!) - Date.parse(r[3]!)).toBe(Number(r[5]));
    const tries = first!.tasks[0]!.tries!;
    expect(tries.map((t) => [t.attempt, t.state, t.exitCode])).toEqual([[1, "failed", 1], [2, "failed", 1], [3, "done", 0]]);
    expect(first!.tasks[0]!.start).toBe(tries[2]!.start);

    fs.rmSync(path.join(dir, "attempts"));
    const out = await pipe(dir, "run", "main.pipe", "-p", "succeed_on=5");
    expect(out.code).toBe(1);
    expect(out.err).toContain("failed: main/f (exit 1)");
    expect(out.err).toContain("  | attempt 3\n");
    expect(fs.readFileSync(path.join(dir, "attempts"), "utf8")).toBe("3\n");
    expect(readRuns(dir)[1]!.tasks[0]).toMatchObject({ state: "failed", attempts: 3, exitCode: 1 });
  });

  it("an output the command does not write and a scalar that does not parse fail their tasks", async () => {
    const dir = localProject("outputs");
    const r = await pipe(dir, "run", "main.pipe", "--keep-going");
    expect(r.code).toBe(1);
    expect(r.err).toContain("failed: main/a (exit 1)");
    expect(r.err).toContain("output f (File) was not written: the command must create it at ~{out.f}");
    expect(r.err).toContain("failed: main/b (exit 1)");
    expect(r.err).toMatch(/output n is not an Int: twelve/);
    const [record] = readRuns(dir);
    expect(record!.tasks.map((t) => t.state)).toEqual(["failed", "failed", "done"]);
    // Only the task that kept its promise is in the store, with its scalar normalized.
    const keys = storeKeys(dir);
    expect(keys).toEqual([record!.tasks[2]!.key]);
    expect(fs.readFileSync(path.join(dir, ".pipe/store", keys[0]!, "ok"), "utf8")).toBe("true\n");
    expect(tmpLeft(dir)).toEqual([]);
  });
});

describe("the store protocol", () => {
  it("pipe's half of it commits what the self-contained task scripts commit, byte for byte", async () => {
    const dir = localProject("protocol");
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe("all = 42 1.50 true [ a b ] data inside\n");

    // The same plan, run by its self-contained scripts (as on Slurm) into a second store.
    const { plan, store: other } = await rerunBySelfContainedScripts(dir);

    const tree = (store: string) =>
      Object.fromEntries(
        fs
          .readdirSync(store, { recursive: true, encoding: "utf8" })
          .filter((f) => !f.startsWith(".") && fs.statSync(path.join(store, f)).isFile())
          .sort()
          .map((f) => {
            const text = fs.readFileSync(path.join(store, f), "utf8");
            if (!f.endsWith("meta.json")) return [f, text];
            const { start, end, host, ...rest } = JSON.parse(text) as Record<string, unknown>;
            expect([start, end, host].every((v) => typeof v === "string")).toBe(true);
            return [f, rest];
          }),
      );
    const ours = tree(path.join(dir, ".pipe", "store"));
    expect(ours).toEqual(tree(other));
    const makeKey = plan.tasks[0]!.key;
    expect([ours[`${makeKey}/i`], ours[`${makeKey}/x`], ours[`${makeKey}/s`]]).toEqual(["42\n", "1.50\n", " a b "]);
    expect(ours[`${plan.tasks[1]!.key}/meta.json`]).toMatchObject({ task: "main/u", upstream: { "main/m": makeKey }, exitCode: 0 });
  });
});

describe("output checks", () => {
  // Each a command that exits 0 and breaks its promise, and the message both forms give.
  const cases = [
    { name: "nofile", type: "File", command: "true", message: "output o (File) was not written: the command must create it at ~{out.o}" },
    { name: "nodir", type: "Dir", command: "true", message: "output o (Dir) was not written: the command must create it at ~{out.o}" },
    { name: "fileasdir", type: "Dir", command: "echo x > ~{out.o}", message: "output o (Dir) was not written: the command must create it at ~{out.o}" },
    { name: "int", type: "Int", command: "echo abc > ~{out.o}", message: "output o is not an Int: abc" },
    { name: "float", type: "Float", command: "echo 1.5.2 > ~{out.o}", message: "output o is not a Float: 1.5.2" },
    { name: "bool", type: "Bool", command: "echo yes > ~{out.o}", message: "output o is not a Bool: yes" },
    { name: "empty", type: "Int", command: ": > ~{out.o}", message: "output o is not an Int: ''" },
    { name: "nul", type: "Int", command: "printf 'x\\0001' > ~{out.o}", message: "output o is not an Int: x" },
    { name: "words", type: "Int", command: "echo two words > ~{out.o}", message: "output o is not an Int: two\\ words" },
    { name: "trailing", type: "Float", command: "printf '1e  \\t\\n\\n' > ~{out.o}", message: "output o is not a Float: 1e" },
    { name: "tab", type: "Bool", command: "printf 'tr\\tue' > ~{out.o}", message: "output o is not a Bool: $'tr\\tue'" },
    // Structured outputs: the JSON path of the first bad value.
    { name: "field", type: "{acc: Float, loss: Float}", command: `echo '{\\"acc\\": \\"high\\", \\"loss\\": 1}' > ~{out.o}`, message: 'output o.acc: expected Float, got "high"' },
    { name: "notjson", type: "{acc: Float}", command: `echo '{\\"acc\\": 1' > ~{out.o}`, message: "output o is not valid JSON: unexpected end of the text at line 2, column 1" },
    { name: "index", type: "List[Int]", command: "echo '[1, 2.5, 3]' > ~{out.o}", message: "output o[1]: expected Int, got 2.5" },
    { name: "nested", type: "{m: {x: List[Bool]}}", command: `echo '{\\"m\\": {\\"x\\": [true, 1]}}' > ~{out.o}`, message: "output o.m.x[1]: expected Bool, got 1" },
    { name: "nofield", type: "{a: Int, b: Int}", command: `echo '{\\"a\\": 1}' > ~{out.o}`, message: 'output o: missing field "b" (expected {a: Int, b: Int})' },
    { name: "nojson", type: "List[String]", command: "true", message: "output o (List[String]) was not written: the command must create it at ~{out.o}" },
    { name: "nofiles", type: "List[File]", command: "true", message: "output o (List[File]) was not written: the command must create it at ~{out.o}" },
    { name: "dirinfiles", type: "List[File]", command: "mkdir -p ~{out.o}/b && touch ~{out.o}/a", message: 'output o: entry "b" is a directory, not a file (the output is a List[File])' },
  ];

  it("pipe run and the self-contained task script fail each broken output with the same message", async () => {
    const dir = localProject("queue");
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      [
        ...cases.flatMap((c) => [`action ${c.name}() -> (o: ${c.type}) {`, `  shell "${c.command}"`, "}"]),
        `pipeline main() -> (${cases.map((c) => `${c.name}: ${c.type}`).join(", ")}) {`,
        ...cases.map((c) => `  let ${c.name} = ${c.name}()`),
        `  return (${cases.map((c) => `${c.name} = ${c.name}.o`).join(", ")})`,
        "}",
      ].join("\n"),
    );
    const r = await pipe(dir, "run", "main.pipe", "--keep-going");
    expect(r.code, r.err).toBe(1);
    const [record] = readRuns(dir);
    expect(record!.tasks.map((t) => t.state)).toEqual(cases.map(() => "failed"));
    const plan = JSON.parse(fs.readFileSync(path.join(record!.dir, "plan.json"), "utf8")) as Plan;
    const other = path.join(dir, "other-store");
    for (const [i, task] of plan.tasks.entries()) {
      const local = fs.readFileSync(path.join(record!.dir, record!.tasks[i]!.stderr!), "utf8");
      const script = path.join(dir, `${task.key}.sh`);
      fs.writeFileSync(script, taskScript(plan, task));
      const s = await execa("bash", [script], { env: { PIPE_STORE: other, PIPE_PROJECT: dir, PIPE_HOME: root }, reject: false });
      expect(s.exitCode).toBe(1);
      expect({ task: task.id, message: s.stderr }).toEqual({ task: task.id, message: `pipe: ${task.id}: ${cases[i]!.message}` });
      expect(local).toBe(`${s.stderr}\n`);
    }
    expect(storeKeys(dir)).toEqual([]);
    expect(tmpLeft(dir)).toEqual([]);
    expect(fs.readdirSync(path.join(other, ".tmp"))).toEqual([]);
  });
});

describe("resources", () => {
  // Each of -j and the cpus bounds the tasks running at once, queued ones included.
  it.each([
    { jobs: 3, cpus: 8 },
    { jobs: 8, cpus: 3 },
  ])("with -j $jobs and $cpus cpus, at most 3 tasks run at once, through failures and retries", async ({ jobs, cpus }) => {
    const dir = localProject("queue");
    fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus } }));
    const values = Array.from({ length: 60 }, (_, i) => i + 1);
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      [
        "action step(i: Int) -> (o: Int) {",
        "  retries = 1",
        // Multiples of 7 fail twice (so for good), multiples of 5 once (so a retry succeeds).
        '  shell "echo start ~{i} >> trace; n=$(cat tries-~{i} 2>/dev/null || echo 0); echo $((n + 1)) > tries-~{i}; echo end ~{i} >> trace; [ $((~{i} % 7)) -ne 0 ] && { [ $((~{i} % 5)) -ne 0 ] || [ $n -gt 0 ]; } && echo ~{i} > ~{out.o}"',
        "}",
        "pipeline main() -> (xs: List[Int]) {",
        `  let s = for i in [${values.join(", ")}] { step(i = i) }`,
        "  return (xs = s.o)",
        "}",
      ].join("\n"),
    );
    const r = await pipe(dir, "run", "main.pipe", "-j", String(jobs), "--keep-going");
    expect(r.code).toBe(1);
    const states = readRuns(dir)[0]!.tasks.map((t) => t.state);
    expect(states).toEqual(values.map((i) => (i % 7 === 0 ? "failed" : "done")));
    let now = 0;
    let most = 0;
    for (const line of fs.readFileSync(path.join(dir, "trace"), "utf8").trim().split("\n")) {
      now += line.startsWith("start") ? 1 : -1;
      most = Math.max(most, now);
    }
    expect(most).toBeLessThanOrEqual(3);
    expect(storeKeys(dir)).toHaveLength(values.filter((i) => i % 7 !== 0).length);
    expect(tmpLeft(dir)).toEqual([]);
    expect(fs.readdirSync(path.join(dir, ".pipe", "store", ".locks"))).toEqual([]);
  });

  it("GPU tasks each see their own CUDA_VISIBLE_DEVICES; tasks without GPUs see none", async () => {
    const dir = localProject("gpus");
    const r = await pipe(dir, "run", "main.pipe", "-j", "8", "--json");
    expect(r.code).toBe(0);
    const outputs = events(r.out).at(-1)!["outputs"] as Record<string, string>;
    expect(outputs["cpu"]).toBe("[]");
    const pair = outputs["pair"]!.split(" ")[0]!.split(",");
    expect(pair).toHaveLength(2);
    expect(new Set(pair).size).toBe(2);
    const spans = (JSON.parse(outputs["gpu"]!.replace(/^\[/, '["').replace(/\]$/, '"]').replace(/, /g, '", "')) as string[]).map((s) => {
      const [id, start, end] = s.split(" ");
      return { ids: [id!], start: Number(start) / 1e6, end: Number(end) / 1e6 };
    });
    spans.push({ ids: pair, start: Number(outputs["pair"]!.split(" ")[1]) / 1e6, end: Number(outputs["pair"]!.split(" ")[2]) / 1e6 });
    expect(spans).toHaveLength(8);
    let overlaps = 0;
    for (const [i, a] of spans.entries()) {
      for (const id of a.ids) expect(["0", "1", "2"]).toContain(id);
      for (const b of spans.slice(i + 1)) {
        if (a.start < b.end && b.start < a.end) {
          overlaps++;
          expect(a.ids.filter((id) => b.ids.includes(id))).toEqual([]);
        }
      }
      // Never more GPUs in use at once than configured.
      const atStart = spans.filter((b) => b.start <= a.start && a.start < b.end);
      expect(atStart.flatMap((b) => b.ids).length).toBeLessThanOrEqual(3);
    }
    expect(overlaps).toBeGreaterThan(0);
  });

  it("a task that can never fit the machine is an error before anything starts (exit 2)", async () => {
    const dir = localProject("toobig");
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toContain("main/b needs 64 cpus; this machine allows 4");
    expect(r.err).toContain("main/b needs 1 GPUs; 0 configured (local.gpus in pipe.config.json)");
    expect(r.err).toContain("nothing was started");
    expect(fs.existsSync(path.join(dir, ".pipe", "store"))).toBe(false);
    expect(readRuns(dir)).toEqual([]);
  });

  it("rejects a -j that is not a positive whole number", async () => {
    const dir = localProject("flaky");
    const r = await pipe(dir, "run", "main.pipe", "-j", "0");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--jobs takes a whole number");
  });
});

describe("forcing, records, logs and history", () => {
  it("--force reruns the matching tasks and their dependents, and replaces their entries", async () => {
    const dir = localProject("branches");
    fs.writeFileSync(path.join(dir, "main.pipe"), fs.readFileSync(path.join(dir, "main.pipe"), "utf8").replace("exit 3", "echo fixed > ~{out.o}").replace("1.5", "0.1"));
    expect((await pipe(dir, "run", "main.pipe")).code).toBe(0);
    const before = storeKeys(dir);
    const r = await pipe(dir, "run", "main.pipe", "--force", "main/s", "--json");
    expect(r.code).toBe(0);
    expect(started(r.out)).toEqual(["main/b", "main/s"]);
    expect(storeKeys(dir)).toEqual(before);
    expect(tmpLeft(dir)).toEqual([]);
    const [, second] = readRuns(dir);
    expect(second!.tasks.find((t) => t.id === "main/b")).toMatchObject({ state: "done", reason: "upstream reruns" });
  });

  it("records the plan, logs that are not empty, failed tasks' scripts, and a table with times, exit codes and memory", async () => {
    const dir = localProject("outputs");
    await pipe(dir, "run", "main.pipe", "--keep-going");
    const [record] = readRuns(dir);
    expect(record).toMatchObject({ status: "failed", file: "main.pipe", entry: "main" });
    expect(JSON.parse(fs.readFileSync(path.join(record!.dir, "plan.json"), "utf8")).tasks).toHaveLength(3);
    for (const t of record!.tasks) {
      expect(t.start! <= t.end!).toBe(true);
      expect(t.durationMs).toBeGreaterThanOrEqual(0);
      expect(t.exitCode).toBe(t.state === "done" ? 0 : 1);
      expect(t).toHaveProperty("peakRssKb");
      // A script is kept for a task that failed, to run it again by hand.
      const script = path.join(record!.dir, t.stdout!.replace("logs/", "scripts/").replace(/\.out$/, ".sh"));
      expect(fs.existsSync(script)).toBe(t.state === "failed");
      expect(fs.existsSync(path.join(record!.dir, t.stderr!))).toBe(t.state === "failed");
    }
    const [forgets, , fine] = record!.tasks;
    expect(fs.readFileSync(path.join(record!.dir, forgets!.stdout!), "utf8")).toBe("working but writing nothing\n");
    // Empty logs are not kept.
    expect(fs.existsSync(path.join(record!.dir, fine!.stdout!))).toBe(false);
    expect(fs.readdirSync(path.join(record!.dir, "logs")).filter((f) => f.startsWith("."))).toEqual([]);
    const table = fs.readFileSync(path.join(record!.dir, "tasks.tsv"), "utf8").trim().split("\n");
    expect(table[0]).toBe("task\tstate\tattempt\tstart\tend\tduration_ms\texit_code\tpeak_rss_kb\tcpus\tmem_mb\ttime_s");
    expect(table).toHaveLength(4);
  });

  it("pipe logs prints a task's logs from the latest run (or --run ID); pipe history lists runs", async () => {
    const dir = localProject("flaky");
    expect((await pipe(dir, "run", "main.pipe", "-p", "succeed_on=9")).code).toBe(1);
    fs.rmSync(path.join(dir, "attempts"));
    expect((await pipe(dir, "run", "main.pipe")).code).toBe(0);
    const [failed, ok] = readRuns(dir);

    const latest = await pipe(dir, "logs", "main/f");
    expect(latest.code).toBe(0);
    expect(latest.out).toContain(`==> main/f (run ${ok!.id}, key ${ok!.tasks[0]!.key}, done, exit 0) <==`);
    expect(latest.out).toMatch(/--- stderr ---\n==> pipe: attempt 1 of 3 .*\nattempt 1\npipe: main\/f: command exited with status 1\n==> pipe: attempt 2 of 3 .*\nattempt 2\n.*\n==> pipe: attempt 3 of 3 .*\nattempt 3\n/);

    const older = await pipe(dir, "logs", "main/*", "--run", failed!.id);
    expect(older.out).toContain(`==> main/f (run ${failed!.id}, key ${failed!.tasks[0]!.key}, failed, exit 1) <==`);

    const missing = await pipe(dir, "logs", "main/nope");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no recorded run ran a task matching "main/nope"');

    // From a subdirectory, the project is found upward.
    fs.mkdirSync(path.join(dir, "sub"));
    const history = await pipe(path.join(dir, "sub"), "history");
    expect(history.code).toBe(0);
    const lines = history.out.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^RUN +STATUS +DURATION +PROGRAM +TASKS +PARAMETERS +COMMIT$/);
    expect(lines[1]).toMatch(new RegExp(`^${ok!.id}\\s+ok\\s+\\d+\\.\\ds\\s+main\\.pipe \\(main\\)\\s+1 done\\s+-\\s+-$`));
    expect(lines[2]).toMatch(new RegExp(`^${failed!.id}\\s+failed\\s+\\d+\\.\\ds\\s+main\\.pipe \\(main\\)\\s+1 failed\\s+succeed_on=9\\s+-$`));
    const json = JSON.parse((await pipe(dir, "history", "--json")).out) as { id: string; counts: Record<string, number> }[];
    expect(json.map((r) => [r.id, r.counts])).toEqual([[ok!.id, { done: 1 }], [failed!.id, { failed: 1 }]]);
  });

  it("--quiet prints the outputs and nothing else; --json prints one event per line and a result", async () => {
    const dir = localProject("flaky");
    const quiet = await pipe(dir, "run", "main.pipe", "--quiet");
    expect(quiet.code).toBe(0);
    // No progress and no summary line: only the entry's outputs, as without --quiet.
    expect(quiet.err).toBe("");
    expect(quiet.out).toBe("n = 3\n");
    const loud = await pipe(dir, "run", "main.pipe");
    expect(loud.out).toBe(quiet.out);
    expect(loud.err).toMatch(/: ok \(1 cached\)\n$/);
    fs.rmSync(path.join(dir, "attempts"));
    const json = await pipe(dir, "run", "main.pipe", "--json", "-p", "succeed_on=7");
    expect(json.code).toBe(1);
    const all = events(json.out);
    expect(all.map((e) => e["type"])).toEqual(["plan", "start", "failed", "start", "failed", "start", "failed", "result"]);
    for (const e of all.slice(0, -1)) expect(e["time"]).toMatch(/^\d{4}-/);
    const result = all.at(-1)!;
    expect(result).toMatchObject({ type: "result", status: "failed", failed: ["main/f"] });
    expect(result["failures"]).toEqual([{ task: "main/f", exitCode: 1, stderrTail: expect.arrayContaining(["attempt 3"]), log: expect.stringMatching(/logs\/\d+-main_f\.err$/) }]);
  });
});
