// Task ids made from hostile string values (tabs, newlines, carriage returns, terminal
// escapes, DEL, C1 controls, Unicode line separators, backslashes): no raw control
// character reaches pipe's output or its line-based files, the TSV files keep one line of
// the right columns per task, JSON keeps the exact ids, and every command that takes a
// task finds it by its printed id as well as by its raw value. Run locally and emitted as
// a Slurm bundle (submitted with stand-ins for sbatch and squeue, so that the real
// submit.sh writes jobs.tsv).
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { fromPrintable, printable, printableLine, printableQuoted } from "../../src/printable.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const VALUES = ["a\tb", "c\nd", "e\x1b[31mred", "f\rg", "h\x9bi", "j\x7fk", "k\\l", "m\u2028n", "\x07bell", "plain"];
/** Any control character but the newline that ends a line of output. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/;

const MAIN = `
action echo(s: String) -> (o: File) {
  shell """
    echo working
    case ~{s} in *red*) echo "bad value" >&2; exit 3 ;; esac
    printf '%s' ~{s} > ~{out.o}
  """
}
action relay(f: File) -> (o: File) { shell "cp ~{f} ~{out.o}" }
pipeline main(xs: List[String]) {
  let e = for s in xs { echo(s = s) }
  let _r = for f in e.o { relay(f = f) }
}
`;

let dir: string;
const ids = VALUES.map((v) => `main/e[s=${v}]`);

async function pipe(args: string[], env: Record<string, string> = {}) {
  const io = recordingIo(dir, env);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function expectClean(what: string, text: string) {
  const m = RAW_CONTROL.exec(text);
  expect(m, `${what} holds ${JSON.stringify(m?.[0])} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 30), (m?.index ?? 0) + 10))}`).toBeNull();
}

beforeAll(() => {
  dir = project({ "main.pipe": MAIN, "params.json": JSON.stringify({ xs: VALUES }), "other.json": JSON.stringify({ xs: [...VALUES.slice(0, 3), "new\ttab"] }) });
});

describe("printable", () => {
  it("escapes every control character and the backslash, and reads back to the same text", () => {
    expect(VALUES.map(printable)).toEqual(["a\\tb", "c\\nd", "e\\x1b[31mred", "f\\rg", "h\\x9bi", "j\\x7fk", "k\\\\l", "m\\u2028n", "\\x07bell", "plain"]);
    for (const v of [...VALUES, "\\x41", "\\\\t", "\0", "é 日本 🙂"]) expect(fromPrintable(printable(v))).toBe(v);
    expect(printableLine("a\tb \\ c\x1bd")).toBe("a\tb \\ c\\x1bd");
    expect(printableQuoted('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
  });
});

describe("hostile task ids, run locally", () => {
  let runOut: { code: number; out: string; err: string };
  beforeAll(async () => {
    runOut = await pipe(["run", "main.pipe", "--params", "params.json", "--keep-going", "-j", "2"]);
  }, 60_000);

  it("the progress and the report print escaped ids", () => {
    expect(runOut.code).toBe(1);
    expectClean("pipe run's stdout", runOut.out);
    expectClean("pipe run's stderr", runOut.err);
    expect(runOut.err).toContain("failed: main/e[s=e\\x1b[31mred] (exit 3)");
    expect(runOut.err).toContain("skipped  main/_r[s=e\\x1b[31mred]: upstream main/e[s=e\\x1b[31mred] failed");
    expect(runOut.err).toContain("done     main/e[s=c\\nd]");
  });

  it("tasks.tsv has one line of 11 columns per task, ids escaped; run.json keeps them exact", () => {
    const runs = path.join(dir, ".pipe", "runs");
    const [runId] = fs.readdirSync(runs);
    const tsv = fs.readFileSync(path.join(runs, runId!, "tasks.tsv"), "utf8");
    expect(RAW_CONTROL.test(tsv.replace(/\t/g, ""))).toBe(false);
    const lines = tsv.replace(/\n$/, "").split("\n");
    expect(lines).toHaveLength(1 + 2 * VALUES.length);
    for (const line of lines) expect(line.split("\t")).toHaveLength(11);
    expect(lines.slice(1, 1 + VALUES.length).map((l) => fromPrintable(l.split("\t")[0]!))).toEqual(ids);
    const record = JSON.parse(fs.readFileSync(path.join(runs, runId!, "run.json"), "utf8")) as { tasks: { id: string }[] };
    expect(record.tasks.slice(0, VALUES.length).map((t) => t.id)).toEqual(ids);
  });

  it("pipe logs finds a task by its printed id and by its raw value", async () => {
    for (const [i, v] of VALUES.entries()) {
      for (const given of [printable(ids[i]!), ids[i]!]) {
        const r = await pipe(["logs", given]);
        expect(r.code, `pipe logs ${JSON.stringify(given)} (${JSON.stringify(v)}): ${r.err}`).toBe(0);
        expectClean("pipe logs", r.out);
        expect(r.out).toContain(`==> ${printable(ids[i]!)} (run `);
        expect(r.out).toContain("working");
      }
    }
    const missing = await pipe(["logs", "main/e[s=\x1b[2J]"]);
    expect(missing.code).toBe(1);
    expectClean("pipe logs of no task", missing.err);
  });

  it("pipe plan, graph, why, history and diff print escaped ids; --force and why take the printed id", async () => {
    const plan = await pipe(["plan", "main.pipe", "--params", "params.json", "--force", printable(ids[0]!)]);
    expect(plan.code).toBe(0);
    expectClean("pipe plan", plan.out + plan.err);
    expect(plan.out).toMatch(/run {5}main\/e\[s=a\\tb\] +echo +\w+ +forced/);
    for (const format of ["dot", "mermaid"]) {
      const graph = await pipe(["graph", "main.pipe", "--params", "params.json", "--format", format]);
      expect(graph.code).toBe(0);
      expectClean(`pipe graph --format ${format}`, graph.out);
    }
    for (const given of [printable(ids[1]!), ids[1]!]) {
      const why = await pipe(["why", given, "main.pipe", "--params", "params.json"]);
      expect(why.code, why.err).toBe(0);
      expect(why.out).toBe(`${printable(ids[1]!)} is cached: key ${why.out.match(/key (\w+)/)![1]} is in the store\n`);
    }
    const history = await pipe(["history"]);
    expectClean("pipe history", history.out + history.err);
    for (const [name, params] of [["a.json", "params.json"], ["b.json", "other.json"]]) {
      const p = await pipe(["plan", "main.pipe", "--params", params!, "--plan-only"]);
      fs.writeFileSync(path.join(dir, name!), p.out);
    }
    const diff = await pipe(["diff", "a.json", "b.json", "--verbose"]);
    expect(diff.code).toBe(3);
    expectClean("pipe diff", diff.out + diff.err);
    expect(diff.out).toContain("+ main/e[s=new\\ttab]");
    expect(diff.out).toContain("- main/e[s=f\\rg]");
  });
});

describe("hostile task ids in a Slurm bundle", () => {
  const bundle = () => path.join(dir, "bundle");
  let env: Record<string, string>;
  beforeAll(async () => {
    // Stand-ins for Slurm: sbatch prints the next job id, squeue knows no job.
    const bin = path.join(dir, "fake-slurm");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "sbatch"), '#!/usr/bin/env bash\nn=$(cat "$(dirname "$0")/n" 2>/dev/null || echo 100); echo $((n + 1)) > "$(dirname "$0")/n"; echo $((n + 1))\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "squeue"), "#!/usr/bin/env bash\nexit 0\n", { mode: 0o755 });
    env = { PATH: `${bin}:${process.env["PATH"]}` };
    // A fresh store: every task is to be submitted.
    fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ store: "slurm-store" }));
    const emitted = await pipe(["emit", "slurm", "main.pipe", "--params", "params.json", "-o", "bundle"]);
    expect(emitted.code, emitted.err).toBe(0);
    const submitted = await pipe(["submit", "bundle"], env);
    expect(submitted.code, submitted.err).toBe(0);
  }, 60_000);

  it("no raw control character in jobs/*.tasks, job scripts, submit.sh, the README or jobs.tsv; one line per task, its id the 4th column", () => {
    const files = ["submit.sh", "README.md", "jobs.tsv", ...fs.readdirSync(path.join(bundle(), "jobs")).map((f) => `jobs/${f}`)];
    for (const f of files) expectClean(f, fs.readFileSync(path.join(bundle(), f), "utf8").replace(/\t/g, " "));
    const tasks = fs.readFileSync(path.join(bundle(), "jobs", "e.tasks"), "utf8").replace(/\n$/, "").split("\n");
    expect(tasks).toHaveLength(VALUES.length);
    expect(tasks.map((l) => l.split("\t").slice(0, 3))).toEqual(VALUES.map((_, i) => [String(i), expect.stringMatching(/^[0-9a-f]{32}$/), "0"]));
    expect(tasks.map((l) => fromPrintable(l.split("\t")[3]!))).toEqual(ids);
    const records = fs.readFileSync(path.join(bundle(), "jobs.tsv"), "utf8").replace(/\n$/, "").split("\n").slice(1);
    expect(records).toHaveLength(2 * VALUES.length);
    for (const line of records) expect(line.split("\t")).toHaveLength(4);
    expect(records.slice(0, VALUES.length).map((l) => fromPrintable(l.split("\t")[0]!))).toEqual(ids);
  });

  it("pipe status pairs every task with its submission and prints it escaped", async () => {
    const status = await pipe(["status", "bundle"], env);
    expectClean("pipe status", status.out + status.err);
    const lines = status.out.split("\n").filter((l) => l.startsWith("  "));
    expect(lines).toHaveLength(2 * VALUES.length);
    for (const id of ids) expect(lines.find((l) => l.endsWith(`  ${printable(id)}  (job 101 is gone from Slurm and left no result)`)), printable(id)).toBeDefined();
    expect(lines.every((l) => !/^ {2}not submitted/.test(l))).toBe(true);
    const json = JSON.parse((await pipe(["status", "bundle", "--json"], env)).out) as { tasks: { task: string; slurmId?: string }[] };
    expect(json.tasks.filter((t) => t.task.startsWith("main/e[")).map((t) => [t.task, t.slurmId])).toEqual(ids.map((id, i) => [id, `101_${i}`]));
  });

  it("pipe logs DIR TASK finds a task by its printed id and by its raw value", async () => {
    for (const [i, id] of ids.entries()) {
      fs.writeFileSync(path.join(bundle(), "logs", `e_101_${i}.out`), `log of task ${i}\n`);
      for (const given of [printable(id), id]) {
        const r = await pipe(["logs", "bundle", given]);
        expect(r.code, `pipe logs bundle ${JSON.stringify(given)}: ${r.err}`).toBe(0);
        expect(r.out).toBe(`log of task ${i}\n`);
      }
    }
  });
});

describe("the outputs pipe run prints", () => {
  it("show control characters escaped, on one line each; --json keeps them exact", async () => {
    const d = project({
      "main.pipe": `action say() -> (v: String) { shell "printf 'a\\033[2Jb\\nc\\td' > ~{out.v}" }\npipeline main() -> (v: String) {\n  let s = say()\n  return (v = s.v)\n}\n`,
    });
    const io = recordingIo(d);
    expect(await run(["run", "main.pipe"], io)).toBe(0);
    expect(io.stdout()).toBe("v = a\\x1b[2Jb\\nc\td\n");
    const json = recordingIo(d);
    expect(await run(["run", "main.pipe", "--json"], json)).toBe(0);
    const result = JSON.parse(json.stdout().trim().split("\n").at(-1)!) as { outputs: Record<string, string> };
    expect(result.outputs).toEqual({ v: "a\x1b[2Jb\nc\td" });
  });
});

describe("a task script names its task as printed", () => {
  it("in its messages, run by hand from its job; the command still gets the exact value", async () => {
    const io = recordingIo(dir);
    expect(await run(["emit", "slurm", "main.pipe", "--params", "params.json", "-o", "bundle2"], io)).toBe(0);
    fs.writeFileSync(path.join(dir, "bundle2", "bundle.env"), `PIPE_STORE=${path.join(dir, "store2")}\nPIPE_PROJECT=${dir}\n`);
    const r = await execa("bash", [path.join(dir, "bundle2", "jobs", "e.sh"), "2"], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/^pipe: task main\/e\[s=e\\x1b\[31mred\] \(jobs\/e\.sh 2\), job none_2 on .*\nworking$/);
    expect(r.stderr).toBe("bad value\npipe: main/e[s=e\\x1b[31mred]: command exited with status 3");
    const ok = await execa("bash", [path.join(dir, "bundle2", "jobs", "e.sh"), "0"], { reject: false });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const [entry] = fs.readdirSync(path.join(dir, "store2")).filter((k) => !k.startsWith("."));
    expect(fs.readFileSync(path.join(dir, "store2", entry!, "o"), "utf8")).toBe(VALUES[0]);
  });
});
