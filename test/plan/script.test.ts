// Task scripts, run for real with bash: the store protocol (skip when cached, build in a
// temporary directory, verify outputs, meta.json, atomic commit), upstream values, the
// project directory as working directory, env, and what a failure or a kill leaves behind.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import type { Plan, Task } from "../../src/plan/plan.js";
import { taskScript } from "../../src/plan/script.js";
import { cleanProjects, mustPlan, project } from "../fixtures/plan/harness.js";

const root = path.resolve(import.meta.dirname, "..", "..");
afterAll(cleanProjects);

interface Ran {
  readonly code: number;
  readonly stderr: string;
}

let runs = 0;

/** Writes the task's script next to the store and runs it from an unrelated directory. */
async function runTask(plan: Plan, task: Task, dir: string, env: Record<string, string> = {}): Promise<Ran> {
  const scripts = path.join(dir, ".scripts");
  fs.mkdirSync(scripts, { recursive: true });
  // One file per run: bash reads a script as it goes, so a file must not be rewritten under it.
  const file = path.join(scripts, `${task.key}.${++runs}.sh`);
  fs.writeFileSync(file, taskScript(plan, task));
  const r = await execa("bash", [file], { cwd: os.tmpdir(), env: { PIPE_STORE: path.join(dir, "store"), PIPE_PROJECT: dir, ...env }, reject: false, stdin: "ignore", stripFinalNewline: false });
  return { code: r.exitCode ?? -1, stderr: String(r.stderr) };
}

async function runAll(plan: Plan, dir: string): Promise<void> {
  for (const t of plan.tasks) {
    const r = await runTask(plan, t, dir);
    if (r.code !== 0) throw new Error(`${t.id} failed (${r.code}): ${r.stderr}`);
  }
}

const storeEntries = (dir: string) => (fs.existsSync(path.join(dir, "store")) ? fs.readdirSync(path.join(dir, "store")).filter((n) => n !== ".tmp").sort() : []);
const tmpEntries = (dir: string) => (fs.existsSync(path.join(dir, "store", ".tmp")) ? fs.readdirSync(path.join(dir, "store", ".tmp")) : []);
const read = (dir: string, key: string, output: string) => fs.readFileSync(path.join(dir, "store", key, output), "utf8");
const fromExample = (name: string) => project({ "main.pipe": fs.readFileSync(path.join(root, "examples", name, "main.pipe"), "utf8") });

describe("the normative examples, run task by task", () => {
  it("example 1 writes its greeting and a meta.json into the store", async () => {
    const dir = fromExample("hello");
    const plan = await mustPlan(dir);
    const t = plan.tasks[0]!;
    await runAll(plan, dir);
    expect(read(dir, t.key, "greeting")).toBe("hello world\n");
    const meta = JSON.parse(read(dir, t.key, "meta.json"));
    expect(meta).toMatchObject({ task: "main/h", key: t.key, action: t.action, args: { name: "world" }, upstream: {}, exitCode: 0, cache: true });
    expect(meta.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(meta.end >= meta.start).toBe(true);
    expect(meta.host).toBe(os.hostname());
    expect(tmpEntries(dir)).toEqual([]);
  });

  it("example 3: pick reads the six upstream scores from the store", async () => {
    const dir = fromExample("sweep");
    const plan = await mustPlan(dir);
    await runAll(plan, dir);
    const pick = plan.tasks.find((t) => t.id === "main/p")!;
    expect(read(dir, pick.key, "best")).toBe("0.1\n");
    expect(Object.keys(JSON.parse(read(dir, pick.key, "meta.json")).upstream)).toHaveLength(6);
    expect(storeEntries(dir)).toHaveLength(7);
  });

  it("example 4 produces s = 7", async () => {
    const dir = fromExample("nested");
    const plan = await mustPlan(dir);
    await runAll(plan, dir);
    expect(read(dir, plan.tasks[0]!.key, "score")).toBe("7\n");
  });
});

describe("the store protocol", () => {
  const counting = `
action a(v: Int) -> (n: Int) {
  env { GREETING = "hi there", ODD = "it's $HOME" }
  shell "echo run >> runs.log; pwd > where.txt; printf '%s|%s' \\"$GREETING\\" \\"$ODD\\" > env.txt; echo '  ~{v}  ' > ~{out.n}"
}
pipeline main() { let x = a(v = 41) }
`;

  it("runs from the project directory with the action's env, normalizes scalars, and exits at once when cached", async () => {
    const dir = project({ "main.pipe": counting });
    const plan = await mustPlan(dir);
    const t = plan.tasks[0]!;
    expect((await runTask(plan, t, dir)).code).toBe(0);
    expect((await runTask(plan, t, dir)).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "runs.log"), "utf8")).toBe("run\n");
    expect(fs.readFileSync(path.join(dir, "where.txt"), "utf8")).toBe(dir + "\n");
    expect(fs.readFileSync(path.join(dir, "env.txt"), "utf8")).toBe("hi there|it's $HOME");
    expect(read(dir, t.key, "n")).toBe("41\n");
    // PIPE_FORCE reruns and replaces the entry.
    expect((await runTask(plan, t, dir, { PIPE_FORCE: "1" })).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "runs.log"), "utf8")).toBe("run\nrun\n");
    expect(storeEntries(dir)).toEqual([t.key]);
    expect(tmpEntries(dir)).toEqual([]);
  });

  it("replaces a folder left in the store without its meta.json, as a forced rerun replaces an entry", async () => {
    const dir = project({ "main.pipe": counting });
    const plan = await mustPlan(dir);
    const t = plan.tasks[0]!;
    expect((await runTask(plan, t, dir)).code).toBe(0);
    fs.rmSync(path.join(dir, "store", t.key, "meta.json"));
    fs.writeFileSync(path.join(dir, "store", t.key, "n"), "damaged\n");
    const r = await runTask(plan, t, dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "runs.log"), "utf8")).toBe("run\nrun\n");
    expect(read(dir, t.key, "n")).toBe("41\n");
    expect(fs.existsSync(path.join(dir, "store", t.key, "meta.json"))).toBe(true);
    expect(storeEntries(dir)).toEqual([t.key]);
    expect(tmpEntries(dir)).toEqual([]);
  });

  it("a relative PIPE_STORE is the runner's, not the project's", async () => {
    const dir = project({ "main.pipe": counting });
    const plan = await mustPlan(dir);
    const t = plan.tasks[0]!;
    const file = path.join(dir, "task.sh");
    fs.writeFileSync(file, taskScript(plan, t));
    const runner = project({});
    const r = await execa("bash", [file], { cwd: runner, env: { PIPE_STORE: "rel-store", PIPE_PROJECT: dir }, reject: false });
    expect(r.stderr).toBe("");
    expect(fs.readFileSync(path.join(runner, "rel-store", t.key, "n"), "utf8")).toBe("41\n");
  });

  it("two runs of the same key at once leave one entry and both succeed", async () => {
    const dir = project({ "main.pipe": `action a() -> (o: File) { shell "sleep 0.2; echo $$ > ~{out.o}" }\npipeline main() { let x = a() }\n` });
    const plan = await mustPlan(dir);
    const results = await Promise.all([0, 1, 2].map(() => runTask(plan, plan.tasks[0]!, dir)));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(storeEntries(dir)).toEqual([plan.tasks[0]!.key]);
    expect(tmpEntries(dir)).toEqual([]);
  });

  it("Dir outputs are directories; File and Dir upstream values are paths into the store", async () => {
    const dir = project({
      "main.pipe": `
action make() -> (d: Dir, f: File) { shell "mkdir ~{out.d} && echo inside > ~{out.d}/x.txt && echo file > ~{out.f}" }
action use(d: Dir, f: File) -> (o: String) { shell "cat ~{d}/x.txt ~{f} > ~{out.o}" }
pipeline main() {
  let m = make()
  let u = use(d = m.d, f = m.f)
}
`,
    });
    const plan = await mustPlan(dir);
    await runAll(plan, dir);
    expect(read(dir, plan.tasks[1]!.key, "o")).toBe("inside\nfile\n");
  });
});

describe("failures leave no entry in the store", () => {
  const failing = async (body: string, outputs = "(n: Int)") => {
    const dir = project({ "main.pipe": `action a() -> ${outputs} {\n  shell "${body}"\n}\npipeline main() { let x = a() }\n` });
    const plan = await mustPlan(dir);
    const r = await runTask(plan, plan.tasks[0]!, dir);
    expect(storeEntries(dir)).toEqual([]);
    expect(tmpEntries(dir)).toEqual([]);
    return r;
  };

  it("a missing output is named, with where it should have been written", async () => {
    const r = await failing("true");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("pipe: main/x: output n (Int) was not written: the command must create it at ~{out.n}\n");
  });

  it("a malformed scalar output is named, with its value", async () => {
    const r = await failing("echo 'twelve' > ~{out.n}");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("pipe: main/x: output n is not an Int: twelve\n");
    const f = await failing("echo '1.5.2' > ~{out.n}", "(n: Float)");
    expect(f.stderr).toBe("pipe: main/x: output n is not a Float: 1.5.2\n");
    const b = await failing("echo 'yes' > ~{out.n}", "(n: Bool)");
    expect(b.stderr).toBe("pipe: main/x: output n is not a Bool: yes\n");
  });

  it("a File output that is a directory, or a Dir output that is a file, is an error", async () => {
    expect((await failing("mkdir ~{out.f}", "(f: File)")).stderr).toContain("output f (File) was not written");
    expect((await failing("touch ~{out.d}", "(d: Dir)")).stderr).toContain("output d (Dir) was not written");
  });

  it("a failing command passes on its status, even when it wrote its outputs", async () => {
    const r = await failing("echo 1 > ~{out.n}; exit 7");
    expect(r.code).toBe(7);
    expect(r.stderr).toBe("pipe: main/x: command exited with status 7\n");
  });

  it("set -e and pipefail apply inside the command", async () => {
    expect((await failing("false; echo 1 > ~{out.n}")).code).toBe(1);
    expect((await failing("false | true; echo 1 > ~{out.n}")).code).toBe(1);
  });

  it("a missing upstream entry is reported before anything runs", async () => {
    const dir = project({
      "main.pipe": `action a() -> (n: Int) { shell "echo 1 > ~{out.n}" }\naction b(n: Int) -> (m: Int) { shell "echo ~{n} > ~{out.m}" }\npipeline main() {\n  let x = a()\n  let y = b(n = x.n)\n}\n`,
    });
    const plan = await mustPlan(dir);
    const r = await runTask(plan, plan.tasks[1]!, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pipe: main/y: upstream main/x (${plan.tasks[0]!.key}) is not in the store\n`);
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`a task killed with ${signal} mid-command leaves no entry`, async () => {
      const dir = project({ "main.pipe": `action a() -> (n: Int) { shell "echo 1 > ~{out.n}; touch started; sleep 30" }\npipeline main() { let x = a() }\n` });
      const plan = await mustPlan(dir);
      const file = path.join(dir, "task.sh");
      fs.writeFileSync(file, taskScript(plan, plan.tasks[0]!));
      // As the backends do: the task is a process group, signalled as a whole.
      const child = spawn("bash", [file], { detached: true, stdio: "ignore", env: { ...process.env, PIPE_STORE: path.join(dir, "store"), PIPE_PROJECT: dir } });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      for (let i = 0; i < 200 && !fs.existsSync(path.join(dir, "started")); i++) await new Promise((r) => setTimeout(r, 25));
      process.kill(-child.pid!, signal);
      const code = await exited;
      expect(storeEntries(dir)).toEqual([]);
      if (signal !== "SIGKILL") {
        expect(code).toBe(143);
        expect(tmpEntries(dir)).toEqual([]);
      }
    });
  }
});
