// Golden plans: every valid fixture (test/fixtures/valid) compiled to its plan JSON, pinned
// under test/fixtures/plan/golden-plans/. A change to expansion, ids, rendered commands,
// resources or keys shows here as a diff to review (UPDATE_GOLDEN=1 rewrites them).
// The fixtures are compiled from a temporary copy, so no absolute path can reach a plan.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planToJson } from "../../src/plan/plan.js";
import { cleanProjects, mustPlan, project } from "../fixtures/plan/harness.js";
import { expectGolden } from "../golden.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const validDir = path.join(root, "test", "fixtures", "valid");
const goldenDir = path.join(root, "test", "fixtures", "plan", "golden-plans");
afterAll(cleanProjects);

/** Entry files relative to the valid fixtures: each top-level `.pipe`, and `main.pipe` of each folder that has one. */
const entries = fs
  .readdirSync(validDir, { withFileTypes: true })
  .flatMap((e) => (e.isFile() && e.name.endsWith(".pipe") ? [e.name] : e.isDirectory() && fs.existsSync(path.join(validDir, e.name, "main.pipe")) ? [`${e.name}/main.pipe`] : []))
  .sort();

describe("golden plans of the valid fixtures", () => {
  it("cover every valid fixture", () => {
    expect(entries.length).toBeGreaterThanOrEqual(12);
    const stale = fs.readdirSync(goldenDir).filter((f) => !entries.some((e) => goldenName(e) === f));
    expect(stale, "golden plans without a fixture").toEqual([]);
  });

  for (const entry of entries) {
    it(entry, async () => {
      const dir = project({});
      fs.cpSync(validDir, dir, { recursive: true, filter: (src) => path.basename(src) !== ".pipe" });
      const plan = await mustPlan(dir, { file: entry });
      expectGolden(path.join(goldenDir, goldenName(entry)), planToJson(plan));
    });
  }
});

function goldenName(entry: string): string {
  return entry.replace(/\/main\.pipe$|\.pipe$/, "").replace(/\//g, "-") + ".json";
}
