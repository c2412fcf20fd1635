// A kept plan is read back a batch of tasks at a time, a MiB of the file at a time: a plan
// whose batches are longer than a read, with text outside ASCII and escapes in its tasks,
// reads back as it was compiled. Its JSON is read back from the file too, for a bundle's
// `plan.json.gz`, which is then the same bytes as when written from the plan.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import zlib from "node:zlib";
import { planFile } from "../../src/backends/slurm/bundle.js";
import { buildPlan } from "../../src/cli/build-plan.js";
import { keptPlanJson, planCacheDir } from "../../src/plan/plan-cache.js";
import type { Plan } from "../../src/plan/plan.js";
import { recordingIo } from "../helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A project whose plan's JSON is over 3 MiB, with multi-byte text and escapes; `plan()` builds it. */
function bigProject() {
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
  return { dir, plan };
}

/** The pieces' text, each copied as it comes (the next is read into the same buffer). */
function joined(pieces: Iterable<Buffer> | undefined): string | undefined {
  if (!pieces) return undefined;
  const copies: Buffer[] = [];
  for (const piece of pieces) copies.push(Buffer.from(piece));
  return Buffer.concat(copies).toString("utf8");
}

describe("a kept plan", () => {
  it("larger than a read, with multi-byte text and escapes, reads back as compiled", async () => {
    const { dir, plan } = bigProject();
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

  it("shares between the tasks of an action what the compiled plan shares, when the steps of a pipeline take turns", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-plan-read-"));
    made.push(dir);
    fs.writeFileSync(path.join(dir, "prep.sh"), "# prep\n");
    fs.writeFileSync(
      path.join(dir, "main.pipe"),
      [
        'action prep(n: Int) -> (o: File) {\n  uses "prep.sh"\n  resources { cpus = 2 }\n  shell "echo ~{n} > ~{out.o}"\n}',
        'action score(f: File) -> (s: String) {\n  resources { mem = "1G" }\n  shell "cat ~{f} > ~{out.s}"\n}',
        "pipeline trial(n: Int) -> (s: String) {\n  let p = prep(n = n)\n  let c = score(f = p.o)\n  return (s = c.s)\n}",
        "pipeline main() {\n  let _t = for n in range(50) { trial(n = n) }\n}\n",
      ].join("\n"),
    );
    const then = new Date(Date.now() - 10_000);
    for (const f of ["main.pipe", "prep.sh"]) fs.utimesSync(path.join(dir, f), then, then);
    const plan = async () => (await buildPlan("main.pipe", {}, recordingIo(dir)))!;
    const compiled = await plan();
    const reused = await plan();
    expect(reused.reused).toBe(true);
    expect(JSON.stringify(reused.plan)).toBe(JSON.stringify(compiled.plan));
    const distinct = (p: Plan, of: (t: Plan["tasks"][number]) => unknown) => new Set(p.tasks.map(of)).size;
    for (const p of [compiled.plan, reused.plan]) {
      // The steps take turns: prep, score, prep, score, ...
      expect(p.tasks.slice(0, 4).map((t) => t.group)).toEqual(["main/_t/p", "main/_t/c", "main/_t/p", "main/_t/c"]);
      expect(distinct(p, (t) => t.files)).toBe(2);
      expect(distinct(p, (t) => t.resources)).toBe(2);
    }
  });

  it("gives its JSON as JSON.stringify writes it, once, whether kept or reused", async () => {
    const { plan } = bigProject();
    for (const built of [await plan(), await plan()]) {
      expect(joined(keptPlanJson(built.plan))).toBe(JSON.stringify(built.plan));
      expect(keptPlanJson(built.plan)).toBeUndefined();
    }
    // A plan this process did not keep or reuse has none.
    expect(keptPlanJson(structuredClone((await plan()).plan) as Plan)).toBeUndefined();
  });

  it("makes the same plan.json.gz copied from the cache file as written from the plan", async () => {
    const { plan } = bigProject();
    for (const built of [await plan(), await plan()]) {
      const copied = planFile(built.plan);
      const written = planFile(structuredClone(built.plan));
      expect(copied.equals(written)).toBe(true);
      expect(zlib.gunzipSync(copied).toString("utf8")).toBe(JSON.stringify(built.plan));
    }
  });
});
