// `pipe run` as a real process (bin/pipe.js, so dist/ must be built): SIGINT and SIGTERM in
// the middle of a run and the resume after them, and two runs on one store at once.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { cleanLocalProjects, localProject, readRuns, root, storeKeys, tmpLeft } from "../local-harness.js";

const bin = path.join(root, "bin", "pipe.js");
afterAll(cleanLocalProjects);
beforeAll(() => {
  if (!fs.existsSync(path.join(root, "dist", "cli", "index.js"))) throw new Error("these tests run bin/pipe.js: build dist/ first (npx tsc -p .)");
});

/** A quick command (logs, history) run in this process. */
async function inProcess(dir: string, ...args: string[]): Promise<{ out: string }> {
  const io = recordingIo(dir);
  await run(args, io);
  return { out: io.stdout() };
}

function pipe(dir: string, ...args: string[]): ResultPromise<{ cwd: string; reject: false; all: true }> {
  return pipeWith({}, dir, ...args);
}

function pipeWith(env: Record<string, string>, dir: string, ...args: string[]): ResultPromise<{ cwd: string; reject: false; all: true }> {
  return execa("node", [bin, ...args], { cwd: dir, reject: false, all: true, env });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Whether a process runs (a zombie, dead but not yet reaped by init, does not). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const pidsOf = (dir: string, ids: number[]) => ids.map((i) => Number(fs.readFileSync(path.join(dir, "started", String(i)), "utf8")));
/** Whether task `i` has written its pid: the shell makes the file before it writes to it. */
const hasStarted = (dir: string, i: number) => {
  const file = path.join(dir, "started", String(i));
  return fs.existsSync(file) && fs.readFileSync(file, "utf8").endsWith("\n");
};

describe.each(["SIGINT", "SIGTERM"] as const)("%s in the middle of a run", (signal) => {
  it("terminates the running tasks' process groups, commits nothing half-done, and the next run resumes", async () => {
    const dir = localProject("slow");
    // Tasks 1 and 2 finish at once; 3 and 4 sleep until they are terminated; 5 and 6 never start.
    for (const i of [3, 4, 5, 6]) fs.writeFileSync(path.join(dir, `delay-${i}`), "60\n");
    const child = pipe(dir, "run", "main.pipe", "-j", "2");
    await until("tasks 3 and 4 to start", () => hasStarted(dir, 3) && hasStarted(dir, 4));
    const sleepers = pidsOf(dir, [3, 4]);
    expect(sleepers.every(alive)).toBe(true);
    // While it runs, `pipe logs` shows a task's output so far, and `pipe history` the run.
    await until("pipe logs to show task 3", async () => (await inProcess(dir, "logs", "main/s[i=3]")).out.includes("step 3 sleeping"));
    expect((await inProcess(dir, "history")).out).toMatch(/ running +- +main\.pipe \(main\)/);
    const t0 = Date.now();
    child.kill(signal);
    const r = await child;
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(r.exitCode).toBe(130);
    expect(r.all).toContain("interrupted: terminating running tasks");
    expect(sleepers.some(alive)).toBe(false);

    const [record] = readRuns(dir);
    expect(record!.status).toBe("interrupted");
    expect(record!.tasks.map((t) => t.state)).toEqual(["done", "done", "interrupted", "interrupted", "interrupted", "interrupted"]);
    expect(storeKeys(dir)).toEqual([record!.tasks[0]!.key, record!.tasks[1]!.key].sort());
    expect(tmpLeft(dir)).toEqual([]);
    expect(fs.readdirSync(path.join(dir, ".pipe", "store", ".locks"))).toEqual([]);

    for (const i of [3, 4, 5, 6]) fs.rmSync(path.join(dir, `delay-${i}`));
    const resumed = await pipe(dir, "run", "main.pipe", "-j", "2");
    expect(resumed.exitCode).toBe(0);
    expect(resumed.all).toContain("6 tasks: 4 to run, 2 cached");
    expect(resumed.stdout).toBe("xs = [1, 2, 3, 4, 5, 6]");
    expect(storeKeys(dir)).toHaveLength(6);
    expect(tmpLeft(dir)).toEqual([]);
    expect(readRuns(dir)[1]!.tasks.map((t) => t.state)).toEqual(["cached", "cached", "done", "done", "done", "done"]);
  });
});

describe("a task that ignores SIGTERM", () => {
  it("is killed after the grace period, and its work directory is removed", async () => {
    const dir = localProject("stubborn");
    const child = pipe(dir, "run", "main.pipe");
    await until("the task to start", () => fs.existsSync(path.join(dir, "started")));
    // Its work directory and its scratch ($PIPE_WORK).
    const [work, scratch] = tmpLeft(dir).sort();
    expect(work).toContain(`.${os.hostname()}.${child.pid}.`);
    expect(scratch).toBe(`scratch.${os.hostname()}.${child.pid}.1`);
    const t0 = Date.now();
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(Date.now() - t0).toBeGreaterThan(4000);
    expect(readRuns(dir)[0]!.tasks[0]).toMatchObject({ state: "interrupted", exitCode: 137 });
    expect(storeKeys(dir)).toEqual([]);
    expect(tmpLeft(dir)).toEqual([]);
  });

  it("a second interrupt kills it at once", async () => {
    const dir = localProject("stubborn");
    const child = pipe(dir, "run", "main.pipe");
    await until("the task to start", () => fs.existsSync(path.join(dir, "started")));
    const t0 = Date.now();
    child.kill("SIGINT");
    // The task ignores the SIGTERM of the first; without a second, it would be killed after 5 s.
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.all).toContain("interrupted again: killing running tasks");
    expect(readRuns(dir)[0]!.tasks[0]).toMatchObject({ state: "interrupted", exitCode: 137 });
    expect(storeKeys(dir)).toEqual([]);
    expect(tmpLeft(dir)).toEqual([]);
  });
});

describe("two runs on one store at once", () => {
  it("never run the same key twice: the second waits for the first's result and reports it", async () => {
    const dir = localProject("shared");
    const events = path.join(dir, "events.log");
    const first = pipe(dir, "run", "main.pipe", "-j", "2");
    await until("the first run to start a task", () => fs.existsSync(events) && fs.readFileSync(events, "utf8").includes("start"));
    const second = pipe(dir, "run", "main.pipe", "-j", "2");
    const [a, b] = await Promise.all([first, second]);
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(a.stdout).toBe("xs = [1, 2, 3, 4]");
    expect(b.stdout).toBe("xs = [1, 2, 3, 4]");
    expect(b.all).toMatch(/waiting  main\/s\[i=\d\]: the same key is being computed by run \S+ \(pid \d+ on /);

    // Each task ran exactly once, across both runs.
    const lines = fs.readFileSync(events, "utf8").trim().split("\n");
    const starts = lines.filter((l) => l.startsWith("start")).map((l) => l.split(" ")[1]).sort();
    expect(starts).toEqual(["1", "2", "3", "4"]);
    expect(storeKeys(dir)).toHaveLength(4);
    expect(tmpLeft(dir)).toEqual([]);
    expect(fs.readdirSync(path.join(dir, ".pipe", "store", ".locks"))).toEqual([]);
    const runs = readRuns(dir);
    expect(runs).toHaveLength(2);
    const states = runs.flatMap((r) => r.tasks.map((t) => t.state));
    expect(states.filter((s) => s === "done")).toHaveLength(4);
    expect(runs.every((r) => r.status === "ok")).toBe(true);
  });

  it("a lock left by a run that died is taken over, but not while its task still runs", async () => {
    const dir = localProject("shared");
    // Its task outlives the start of the next run even on a loaded machine.
    const first = pipeWith({ PIPE_TEST_SLEEP: "6" }, dir, "run", "main.pipe", "-j", "1");
    await until("the first run to start a task", () => fs.existsSync(path.join(dir, "events.log")));
    first.kill("SIGKILL");
    await first;
    // The locks of the running task and of the one queued behind it on its launcher (which
    // never starts: its launcher ends when it cannot report to pipe).
    const locks = fs.readdirSync(path.join(dir, ".pipe", "store", ".locks")).filter((n) => !n.endsWith(".owner"));
    expect(locks).toHaveLength(2);
    expect((await inProcess(dir, "history")).out).toMatch(/ killed +- +main\.pipe \(main\)/);
    // The killed run's task goes on (it is in its own process group): its key is not run
    // again until it has ended. (Its result is not committed: pipe commits, and pipe died.)
    const r = await pipe(dir, "run", "main.pipe", "-j", "2");
    expect(r.exitCode).toBe(0);
    expect(r.all).toMatch(/waiting  main\/s\[i=1\]: the same key is being computed by run/);
    expect(storeKeys(dir)).toHaveLength(4);
    const log = fs.readFileSync(path.join(dir, "events.log"), "utf8").trim().split("\n").map((l) => l.split(" "));
    const ofOne = log.filter(([, i]) => i === "1").map(([what]) => what);
    expect(ofOne).toEqual(["start", "end", "start", "end"]);
    expect(log.filter(([what]) => what === "start").map(([, i]) => i).sort()).toEqual(["1", "1", "2", "3", "4"]);
    expect(fs.readdirSync(path.join(dir, ".pipe", "store", ".locks"))).toEqual([]);
  });
});

describe("work directories a killed run left in the store's .tmp", () => {
  it("are removed by the next run once their owner is dead, and kept while it lives", async () => {
    const dir = localProject("slow");
    const tmp = path.join(dir, ".pipe", "store", ".tmp");
    const locks = path.join(dir, ".pipe", "store", ".locks");
    fs.mkdirSync(tmp, { recursive: true });
    fs.mkdirSync(locks, { recursive: true });
    const host = os.hostname();
    const dead = (await execa("bash", ["-c", "echo $$"])).stdout.trim();
    const sleeper = execa("sleep", ["60"]);
    const live = String(sleeper.pid);
    const key = "0123456789abcdef0123456789abcdef";
    // A killed pipe (its pid is gone) whose launcher still runs a task.
    const killed = (await execa("bash", ["-c", "echo $$"])).stdout.trim();
    fs.writeFileSync(path.join(locks, "run-x.owner"), JSON.stringify({ pid: Number(killed), host, run: "x", launchers: [Number(live)] }));
    const names = {
      gone: [`${key}.${host}.${dead}.1`, `${key}.${host}.${dead}.1.args.json`, `${key}.${host}.${dead}.1.old`, `${key}.${host}.${dead}.23456`, `.probe.${host}.${dead}`],
      kept: [`${key}.${host}.${live}.2`, `${key}.${host}.${killed}.3`, `${key}.other-host.${dead}.4`, `${key}.old.${dead}`, "unrelated"],
    };
    for (const n of [...names.gone, ...names.kept]) fs.mkdirSync(path.join(tmp, n));
    fs.writeFileSync(path.join(tmp, names.gone[0]!, "partial"), "x");
    try {
      const r = await pipe(dir, "run", "main.pipe");
      expect(r.exitCode, r.all).toBe(0);
      expect(tmpLeft(dir).sort()).toEqual([...names.kept].sort());
    } finally {
      sleeper.kill();
      await sleeper.catch(() => {});
    }
  });

  it("a run killed with SIGKILL: its task's work directory outlives it, and goes once the task has ended", async () => {
    const dir = localProject("slow");
    fs.writeFileSync(path.join(dir, "delay-1"), "1.5\n");
    const first = pipe(dir, "run", "main.pipe", "-j", "1");
    await until("task 1 to start", () => hasStarted(dir, 1));
    first.kill("SIGKILL");
    await first;
    // The running task's, and that of the one queued behind it on its launcher, each with its scratch.
    const left = tmpLeft(dir).sort();
    expect(left).toEqual(Array(4).fill(expect.stringContaining(`.${os.hostname()}.${first.pid}.`)));
    expect(left.filter((n) => n.startsWith("scratch."))).toHaveLength(2);
    const sleeper = pidsOf(dir, [1])[0]!;
    // While the task runs, the next run keeps its directory (and waits for its key's lock).
    const second = pipe(dir, "run", "main.pipe", "-j", "1");
    await until("the second run to start", () => readRuns(dir).length === 2);
    expect(alive(sleeper)).toBe(true);
    expect(tmpLeft(dir)).toEqual(expect.arrayContaining(left));
    expect((await second).exitCode).toBe(0);
    // Its owner dead now, the directory goes with the next run.
    expect((await pipe(dir, "run", "main.pipe")).exitCode).toBe(0);
    expect(tmpLeft(dir)).toEqual([]);
  }, 30_000);
});
