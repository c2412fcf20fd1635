// The progress displays of `pipe run`: the live TTY panel (on a fake terminal and clock)
// and the plain and JSON lines.
import { describe, expect, it } from "vitest";
import { jsonReporter, plainReporter } from "../../src/cli/run-progress.js";
import { ttyReporter } from "../../src/cli/run-progress-tty.js";

// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");

function fakeTerminal() {
  let text = "";
  const stream = { columns: 100, rows: 30, isTTY: true, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => strip(text) };
}

describe("the TTY panel", () => {
  it("shows counts, elapsed time, an ETA from the tasks done so far, and the running tasks", () => {
    const term = fakeTerminal();
    let now = 0;
    const r = ttyReporter(term.stream, () => now);
    r.event({ type: "plan", total: 6, toRun: 5, cached: 1 });
    r.event({ type: "cached", task: "main/c" });
    r.event({ type: "start", task: "main/a", attempt: 1 });
    r.event({ type: "start", task: "main/b", attempt: 1 });
    now = 10_000;
    r.event({ type: "done", task: "main/a", ms: 10_000 });
    r.event({ type: "failed", task: "main/b", exitCode: 2, retrying: false });
    r.event({ type: "skipped", task: "main/d", because: "main/b" });
    r.event({ type: "start", task: "main/e", attempt: 1 });
    r.close();
    const out = term.text();
    expect(out).toContain("failed   main/b (exit 2)");
    expect(out).toContain("skipped  main/d: upstream main/b failed");
    expect(out).toContain("  ▸ main/e");
    // 1 done in 10 s, 2 left (e and the one not started): ETA 20 s.
    expect(out).toContain("4/6 · 1 done · 1 running · 1 cached · 1 failed · 1 skipped · 0:10 · ETA 0:20");
  });
});

describe("plain and JSON lines", () => {
  it("prints one line per event, and nothing for cached tasks", () => {
    let out = "";
    const r = plainReporter((s) => void (out += s));
    r.event({ type: "plan", total: 3, toRun: 2, cached: 1 });
    r.event({ type: "cached", task: "main/c" });
    r.event({ type: "start", task: "main/a", attempt: 2 });
    r.event({ type: "waiting", task: "main/b", holder: "run R (pid 1 on h)" });
    r.event({ type: "stopping", reason: "interrupt" });
    expect(out).toBe(
      "3 tasks: 2 to run, 1 cached\nstart    main/a (attempt 2)\nwaiting  main/b: the same key is being computed by run R (pid 1 on h)\ninterrupted: terminating running tasks\n",
    );
  });

  it("prints each event as one JSON object with a time", () => {
    const lines: string[] = [];
    const r = jsonReporter((s) => void lines.push(s), () => 0);
    r.event({ type: "done", task: "main/a", ms: 5 });
    expect(lines).toEqual(['{"type":"done","task":"main/a","ms":5,"time":"1970-01-01T00:00:00.000Z"}\n']);
  });
});
