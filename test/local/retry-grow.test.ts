// Retrying bigger on the local backend: each attempt gets the memory and time its resources
// give that attempt (a `grow` factor, a list per attempt, a call site's override), sees them
// in PIPE_ATTEMPT / PIPE_CPUS / PIPE_MEM_MB / PIPE_TIME_S, and is its own row of the record.

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { attemptResources } from "../../src/plan/resources.js";
import { recordingIo } from "../helpers.js";
import { cleanLocalProjects, localProject, readRuns } from "../local-harness.js";

afterAll(cleanLocalProjects);

async function pipe(dir: string, ...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("attempt resources", () => {
  it("a list gives each attempt its value; past it, the last value grows by the factor", () => {
    const r = { mem: 100, memRetries: [300], time: 60, grow: { mem: 2, time: 1.5 } };
    expect([1, 2, 3, 4].map((n) => attemptResources(r, n))).toEqual([
      { cpus: 1, memMb: 100, timeS: 60 },
      { cpus: 1, memMb: 300, timeS: 90 },
      { cpus: 1, memMb: 600, timeS: 135 },
      { cpus: 1, memMb: 1200, timeS: 203 },
    ]);
    expect(attemptResources({ cpus: 4 }, 3)).toEqual({ cpus: 4, memMb: 0, timeS: 0 });
  });
});

describe("retry bigger, locally", () => {
  it("a task that needs four times its memory succeeds on its third attempt when each retry doubles it", async () => {
    const dir = localProject("grow");
    const r = await pipe(dir, "run", "main.pipe", "-j", "1");
    expect(r.code).toBe(0);
    expect(r.out).toBe("doubled = 3\nquadrupled = 2\nlisted = 3\n");
    const given = fs.readFileSync(path.join(dir, "given.txt"), "utf8").trim().split("\n").sort();
    expect(given).toEqual(
      [
        "doubled 1 1 64 60",
        "doubled 2 1 128 120",
        "doubled 3 1 256 240",
        "quadrupled 1 1 64 60",
        "quadrupled 2 1 256 240",
        "listed 1 1 100 10",
        "listed 2 1 200 60",
        "listed 3 1 300 60",
      ].sort(),
    );
    const [run] = readRuns(dir);
    const d = run!.tasks.find((t) => t.id === "main/d")!;
    expect(d.tries!.map((t) => [t.attempt, t.state, t.memMb, t.timeS, t.exitCode])).toEqual([
      [1, "failed", 64, 60, 7],
      [2, "failed", 128, 120, 7],
      [3, "done", 256, 240, 0],
    ]);
    const rows = fs.readFileSync(path.join(run!.dir, "tasks.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
    expect(rows.filter((c) => c[0] === "main/d").map((c) => [c[2], c[9]])).toEqual([["1", "64"], ["2", "128"], ["3", "256"]]);
    const log = fs.readFileSync(path.join(run!.dir, d.stderr!), "utf8");
    expect(log).toMatch(/^==> pipe: attempt 1 of 4 \(cpus 1, mem 64 MiB, time 60 s\) <==\ndoubled: 64 MiB is not enough\n/);
    expect(log).toContain("==> pipe: attempt 3 of 4 (cpus 1, mem 256 MiB, time 240 s) <==\n");
  });

  it("a grown attempt is capped at the machine's memory, so it still runs", async () => {
    const dir = localProject("grow");
    fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ local: { cpus: 2, mem: "128M" } }));
    const r = await pipe(dir, "run", "main.pipe", "-j", "1", "--keep-going");
    expect(r.code).toBe(1);
    const given = fs.readFileSync(path.join(dir, "given.txt"), "utf8");
    expect(given).toContain("doubled 4 1 128 480");
    expect(r.err).toContain("failed: main/d (exit 7)");
  });
});
