// The report's pieces without a browser: escaping, reading sacct's lines, and the error line
// and log tail picked for a failure.
import { describe, expect, it } from "vitest";
import { parseSacct } from "../../src/backends/slurm/accounting.js";
import { escapeHtml, shownId } from "../../src/report/escape.js";
import { tailAndError } from "../../src/report/model.js";

describe("escaping", () => {
  it("escapes markup and quotes, and keeps control characters as references to themselves", () => {
    expect(escapeHtml(`<script>alert('x')</script>"&`)).toBe("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;");
    expect(escapeHtml("a\x01b\tc\nd\x7f")).toBe("a&#x1;b\tc\nd&#x7f;");
    expect(shownId("main/t[s=a\tb]")).toBe("main/t[s=a\\tb]");
  });
});

describe("sacct", () => {
  it("reads jobs and array tasks, with the peak memory of their steps", () => {
    const text = [
      "1258|FAILED|2026-12-01T11:21:50|2026-12-01T11:21:50|0|7:0|",
      "1258.batch|FAILED|2026-12-01T11:21:50|2026-12-01T11:21:50|0|7:0|1200K",
      "1300_2|TIMEOUT|2026-12-01T11:22:00|2026-12-01T11:23:21|81|0:15|",
      "1300_2.batch|CANCELLED|2026-12-01T11:22:00|2026-12-01T11:23:22|82|0:15|45.5M",
      "1300_2.extern|COMPLETED|2026-12-01T11:22:00|2026-12-01T11:23:22|82|0:0|1G",
      "1301|CANCELLED by 0|None|2026-12-01T11:22:00|0|0:0|",
      "1302|PENDING|Unknown|Unknown|0|0:0|",
    ].join("\n");
    const jobs = parseSacct(text);
    expect(jobs.get("1258")).toMatchObject({ state: "FAILED", exitCode: 7, elapsedS: 0, maxRssKb: 1200 });
    expect(jobs.get("1300_2")).toMatchObject({ state: "TIMEOUT", elapsedS: 81, maxRssKb: 1024 * 1024 });
    expect(jobs.get("1300_2")!.end! - jobs.get("1300_2")!.start!).toBe(81_000);
    expect(jobs.get("1301")).toEqual({ state: "CANCELLED", end: expect.any(Number), elapsedS: 0, exitCode: 0 });
    expect(jobs.get("1302")).toEqual({ state: "PENDING", elapsedS: 0, exitCode: 0 });
    expect([...jobs.keys()]).toEqual(["1258", "1300_2", "1301", "1302"]);
  });
});

describe("a failure's error and log tail", () => {
  it("takes pipe's line saying why, else the last line, and the last 20 lines", () => {
    const log = [...Array.from({ length: 30 }, (_, i) => `line ${i}`), "pipe: main/t: command exited with status 3", ""].join("\n");
    const { tail, error } = tailAndError(log);
    expect(error).toBe("pipe: main/t: command exited with status 3");
    expect(tail.split("\n")).toHaveLength(20);
    expect(tailAndError("Traceback\nValueError: bad\n").error).toBe("ValueError: bad");
  });
});
