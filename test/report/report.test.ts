// `pipe report` of a local run: 50 tasks with a failure, a retry that succeeded and a task
// whose id and log hold markup, rendered in headless Chromium: one bar per attempt, each
// carrying its task's exact id and its state, no console error, nothing run or fetched.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { cleanLocalProjects, localProject, readRuns } from "../local-harness.js";
import { render } from "./browser.js";

afterAll(cleanLocalProjects);

async function pipe(dir: string, ...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const HOSTILE = `main/hs[tag=<script>alert('x')</script>"&]`;

describe("pipe report, local run", () => {
  it("renders a 50-task run with a failure and a retry: one bar per attempt, no console errors", { timeout: 120_000 }, async () => {
    const dir = localProject("report50");
    const ran = await pipe(dir, "run", "main.pipe", "--keep-going", "-j", "2", "--quiet");
    expect(ran.code).toBe(1);
    const [record] = readRuns(dir);
    expect(record!.tasks).toHaveLength(50);

    const r = await pipe(dir, "report");
    expect(r.code, r.err).toBe(0);
    const file = path.join(record!.dir, "report.html");
    expect(r.out).toBe(`wrote ${file} (local run ${record!.id}: 50 tasks, 51 attempts)\n`);
    const html = fs.readFileSync(file, "utf8");
    // Self-contained: nothing to fetch, no script.
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/i);

    const page = await render(file, "local-50");
    expect(page.errors).toEqual([]);
    expect(page.scripts).toBe(0);
    expect(page.dialogs).toBe(0);
    expect(page.title).not.toBe("pwned");
    // One bar per attempt: 48 sweep tasks, two of them twice, the hostile task; the fan-in was skipped.
    expect(page.bars).toHaveLength(51);
    const expected = record!.tasks.flatMap((t) => (t.tries ?? []).map((a) => ({ task: t.id, state: a.state, attempt: String(a.attempt) })));
    expect(page.bars).toEqual(expect.arrayContaining(expected));
    expect(page.bars.filter((b) => b.task === "main/ws[i=13]").map((b) => b.state)).toEqual(["failed", "failed"]);
    expect(page.bars.filter((b) => b.task === "main/ws[i=7]").map((b) => b.state)).toEqual(["failed", "done"]);
    expect(page.bars.filter((b) => b.task === HOSTILE)).toEqual([{ task: HOSTILE, state: "done", attempt: "1" }]);
    // The graph: every task, and the three actions.
    expect(page.dagNodes).toBe(50);
    expect(page.actionNodes).toBe(3);
    // Failures grouped by their error, with the log's end, markup shown as text.
    expect(page.text).toContain("1 × pipe: TASK: command exited with status 4");
    expect(page.text).toContain("work 13: <b>boom</b> & failed");
    expect(page.text).toContain("1 task succeeded after a retry: main/ws[i=7]");
    expect(fs.statSync(page.screenshot).size).toBeGreaterThan(10_000);
  });

  it("takes a run id, a run directory or -o, and says when there is nothing to report", async () => {
    const dir = localProject("grow");
    expect((await pipe(dir, "report", "--project", dir)).err).toContain("no runs recorded here");
    expect((await pipe(dir, "run", "main.pipe", "--quiet")).code).toBe(0);
    const [record] = readRuns(dir);
    const out = path.join(dir, "r.html");
    expect((await pipe(dir, "report", record!.id, "-o", "r.html")).code).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toContain('data-task="main/d" data-state="failed" data-attempt="1"');
    expect((await pipe(path.join(dir, ".."), "report", record!.dir)).code).toBe(0);
    expect(fs.existsSync(path.join(record!.dir, "report.html"))).toBe(true);
    const missing = await pipe(dir, "report", "nope");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no run "nope"');
  });
});
