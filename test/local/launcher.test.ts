// The launchers of the local backend (launcher.ts), driven directly with real bash: a task
// queued behind another starts when that one ends, and after a failure only when pipe says
// so; processes a task leaves behind end with it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Launchers, type LaunchRequest } from "../../src/backends/local/launcher.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Outcome {
  readonly pid?: number;
  readonly status: number | null;
}

function setUp(goOn: () => boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-launcher-"));
  dirs.push(dir);
  const launchers = new Launchers(dir, dir, process.env, goOn);
  /** A request whose outcome is a promise, and the request itself. */
  const task = (name: string, script: string): [LaunchRequest, Promise<Outcome>] => {
    let pid: number | undefined;
    let resolve!: (o: Outcome) => void;
    const done = new Promise<Outcome>((r) => (resolve = r));
    const logs = { stdout: path.join(dir, `${name}.out`), stderr: path.join(dir, `${name}.err`) };
    return [{ task: name, script, check: "", ...logs, env: { NAME: name }, started: (p) => (pid = p), ended: (status) => resolve({ ...(pid ? { pid } : {}), status }) }, done];
  };
  return { dir, launchers, task };
}

describe("a task queued behind another on its launcher", () => {
  it("starts when the one before it ends, with its own environment and logs", async () => {
    const { dir, launchers, task } = setUp(() => true);
    const launcher = launchers.take();
    const [first, firstDone] = task("first", "sleep 0.2; echo out of $NAME; touch first-ended");
    const [second, secondDone] = task("second", "[ -e first-ended ] && echo out of $NAME && echo err of $NAME >&2");
    launchers.run(launcher, first);
    expect(launchers.queueable()).toEqual([launcher]);
    launchers.run(launcher, second);
    expect(launchers.queueable()).toEqual([]);
    expect(await firstDone).toMatchObject({ status: 0 });
    expect(await secondDone).toMatchObject({ status: 0 });
    expect(fs.readFileSync(path.join(dir, "first.out"), "utf8")).toBe("out of first\n");
    expect(fs.readFileSync(path.join(dir, "second.out"), "utf8")).toBe("out of second\n");
    expect(fs.readFileSync(path.join(dir, "second.err"), "utf8")).toBe("err of second\n");
    expect(fs.existsSync(path.join(dir, "first.err"))).toBe(false);
    // Idle again: taken before a new launcher is started.
    expect(launchers.take()).toBe(launcher);
    launchers.close();
  });

  it("after a failure, runs only when pipe goes on, and is dropped unrun when pipe stops", async () => {
    for (const goOn of [true, false]) {
      const { dir, launchers, task } = setUp(() => goOn);
      const launcher = launchers.take();
      const [failing, failed] = task("failing", "sleep 0.2; exit 3");
      const [next, nextDone] = task("next", "touch next-ran");
      launchers.run(launcher, failing);
      launchers.run(launcher, next);
      expect(await failed).toMatchObject({ status: 3 });
      const outcome = await nextDone;
      expect(outcome.status).toBe(goOn ? 0 : null);
      expect(outcome.pid === undefined).toBe(!goOn);
      expect(fs.existsSync(path.join(dir, "next-ran"))).toBe(goOn);
      // Either way the launcher serves the next request.
      const [after, afterDone] = task("after", "touch after-ran");
      launchers.run(launchers.take(), after);
      expect(await afterDone).toMatchObject({ status: 0 });
      expect(fs.existsSync(path.join(dir, "after-ran"))).toBe(true);
      launchers.close();
    }
  });
});

describe("what a task leaves running in its process group", () => {
  it("is sent SIGTERM when the task ends, so that it cannot write into a later task's log", async () => {
    const { dir, launchers, task } = setUp(() => true);
    const launcher = launchers.take();
    const [first, firstDone] = task("first", "( sleep 0.5; echo late ) & echo $! > stray.pid");
    const [second, secondDone] = task("second", "true");
    launchers.run(launcher, first);
    launchers.run(launcher, second);
    await Promise.all([firstDone, secondDone]);
    // The third task uses the first one's slot (and scratch files) again.
    const [third, thirdDone] = task("third", "sleep 1");
    launchers.run(launchers.take(), third);
    expect(await thirdDone).toMatchObject({ status: 0 });
    const stray = Number(fs.readFileSync(path.join(dir, "stray.pid"), "utf8"));
    // Gone, or a zombie that nobody reaps (some containers' init does not).
    const stat = fs.existsSync(`/proc/${stray}/stat`) ? fs.readFileSync(`/proc/${stray}/stat`, "utf8") : "";
    expect(stat === "" || stat[stat.lastIndexOf(")") + 2] === "Z").toBe(true);
    for (const name of ["first", "second", "third"]) expect(fs.existsSync(path.join(dir, `${name}.out`))).toBe(false);
    launchers.close();
  });
});
