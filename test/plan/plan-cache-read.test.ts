// A kept plan is read back a batch of tasks at a time, a MiB of the file at a time: a plan
// whose batches are longer than a read, with text outside ASCII and escapes in its tasks,
// reads back as it was compiled.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan } from "../../src/cli/build-plan.js";
import { planCacheDir } from "../../src/plan/plan-cache.js";
import { recordingIo } from "../helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe("a kept plan", () => {
  it("larger than a read, with multi-byte text and escapes, reads back as compiled", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-plan-read-"));
    made.push(dir);
    const names = ["日本🙂", 'q"uote', "back\\slash", "tab\\tand\\nline", "é".repeat(300)];
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      `action a(n: Int, s: String) -> (o: File) {\n  shell "echo ~{n} ~{s} > ~{out.o}"\n}\n\npipeline main() {\n  let x = for n in range(1500), s in [${names.map((n) => `"${n.replaceAll('"', '\\"')}"`).join(", ")}] { a(n = n, s = s) }\n}\n`,
    );
    const then = new Date(Date.now() - 10_000);
    fs.utimesSync(path.join(dir, "main.pipe"), then, then);
    const plan = async () => {
      const io = recordingIo(dir);
      const built = await buildPlan("main.pipe", {}, io);
      expect(built, io.stderr()).toBeDefined();
      return built!;
    };
    const first = await plan();
    expect(first.reused).toBe(false);
    const [kept] = fs.readdirSync(planCacheDir(dir)).filter((f) => f.endsWith(".json"));
    const size = fs.statSync(path.join(planCacheDir(dir), kept!)).size;
    expect(size).toBeGreaterThan(3 << 20);
    const second = await plan();
    expect(second.reused).toBe(true);
    expect(second.plan.tasks).toHaveLength(7500);
    expect(JSON.stringify(second.plan)).toBe(JSON.stringify(first.plan));
  });
});
