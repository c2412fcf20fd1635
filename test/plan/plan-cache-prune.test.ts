// The plan cache holds the plans of the KEPT_PLANS invocations used last: a sweep planned once
// per parameter value does not leave a plan per value behind, a plan reused counts as used,
// and what killed writers left is removed once it is old.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlan } from "../../src/cli/build-plan.js";
import { KEPT_PLANS, planCacheDir } from "../../src/plan/plan-cache.js";
import { recordingIo } from "../helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A project of one parameterised task, its files older than the cache's racy window. */
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-plan-prune-"));
  made.push(dir);
  fs.writeFileSync(path.join(dir, "main.pipe"), 'action a(n: Int) -> (o: File) {\n  shell "echo ~{n} > ~{out.o}"\n}\n\npipeline main(n: Int = 0) -> (o: File) {\n  let x = a(n = n)\n  return (o = x.o)\n}\n');
  const then = new Date(Date.now() - 10_000);
  fs.utimesSync(path.join(dir, "main.pipe"), then, then);
  return dir;
}

/** Plans with `-p n=N`; whether the kept plan was reused. */
async function plan(dir: string, n: number): Promise<boolean> {
  const io = recordingIo(dir);
  const built = await buildPlan("main.pipe", { param: [`n=${n}`] }, io);
  expect(built, io.stderr()).toBeDefined();
  return built!.reused;
}

const cacheFiles = (dir: string) => fs.readdirSync(planCacheDir(dir)).filter((f) => f.endsWith(".json"));

describe("the plan cache", () => {
  it(`keeps the plans of the ${KEPT_PLANS} invocations used last, a reused one among them`, async () => {
    const dir = project();
    for (let n = 0; n < KEPT_PLANS; n++) expect(await plan(dir, n)).toBe(false);
    expect(cacheFiles(dir)).toHaveLength(KEPT_PLANS);
    // n=0 is the oldest kept; used again, it is the newest, and n=1 goes when n=100 is kept.
    expect(await plan(dir, 0)).toBe(true);
    expect(await plan(dir, 100)).toBe(false);
    expect(cacheFiles(dir)).toHaveLength(KEPT_PLANS);
    expect(await plan(dir, 0)).toBe(true);
    expect(await plan(dir, 2)).toBe(true);
    expect(await plan(dir, 1)).toBe(false);
    expect(cacheFiles(dir)).toHaveLength(KEPT_PLANS);
    // A sweep of values: the cache stays at its size, and holds the last of them.
    for (let n = 200; n < 200 + 2 * KEPT_PLANS; n++) expect(await plan(dir, n)).toBe(false);
    expect(cacheFiles(dir)).toHaveLength(KEPT_PLANS);
    expect(await plan(dir, 200 + 2 * KEPT_PLANS - 1)).toBe(true);
    expect(await plan(dir, 200)).toBe(false);
  });

  it("removes the temporary files of writers gone an hour, notes without their plan and an older pipe's cache files, and leaves a fresh one", async () => {
    const dir = project();
    expect(await plan(dir, 0)).toBe(false);
    const cache = planCacheDir(dir);
    const old = new Date(Date.now() - 2 * 3_600_000);
    const left = ["0123.json.99999.tmp", "0123.json.99999.tmp.plan", "0123.plan.99999.tmp"];
    for (const f of left) {
      fs.writeFileSync(path.join(cache, f), "x");
      fs.utimesSync(path.join(cache, f), old, old);
    }
    fs.writeFileSync(path.join(cache, "4567.json.88888.tmp"), "being written");
    fs.writeFileSync(path.join(cache, "89ab.plan"), "a note whose plan is gone");
    // Named as an older pipe named its cache files, with its note: gone, however recent.
    const older = "0123456789abcdef0123456789abcdef";
    fs.writeFileSync(path.join(cache, `${older}.json`), "an older pipe's plan");
    fs.writeFileSync(path.join(cache, `${older}.plan`), "its note");
    const before = fs.readdirSync(cache);
    expect(await plan(dir, 1)).toBe(false);
    const after = fs.readdirSync(cache);
    for (const f of [...left, "89ab.plan", `${older}.json`, `${older}.plan`]) expect(after).not.toContain(f);
    expect(after).toContain("4567.json.88888.tmp");
    expect(cacheFiles(dir)).toHaveLength(2);
    expect(before.filter((f) => f.endsWith(".json") && f !== `${older}.json`).every((f) => after.includes(f))).toBe(true);
  });
});
