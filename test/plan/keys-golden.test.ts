// Golden cache keys of the examples: an accidental change of what goes into a key (or of
// how it is hashed) fails here. A deliberate one bumps KEY_VERSION and regenerates the
// fixture with UPDATE_GOLDEN=1. Each example is compiled from two different temporary
// directories: no absolute path may reach a key.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KEY_VERSION } from "../../src/plan/canonical.js";
import { expectGolden } from "../golden.js";
import { cleanProjects, keysOf, mustPlan, project } from "../fixtures/plan/harness.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const goldenFile = path.join(root, "test", "fixtures", "plan", "golden-keys.json");
const sources: Record<string, string> = {
  hello: "examples/hello",
  sweep: "examples/sweep",
  nested: "examples/nested",
  // Every kind of key input: `uses`, external File and Dir, scalars, records, env, upstream.
  rich: "test/fixtures/plan/rich",
};

afterAll(cleanProjects);

function copyOf(name: string, prefix: string): string {
  const dir = project({}, prefix);
  fs.cpSync(path.join(root, sources[name]!), dir, { recursive: true });
  return dir;
}

describe("golden keys", () => {
  it("pin the keys of the examples and of a fixture with every kind of input, wherever they are", async () => {
    const actual: Record<string, unknown> = { keyVersion: KEY_VERSION };
    for (const name of Object.keys(sources)) {
      const here = keysOf(await mustPlan(copyOf(name, `pipe-golden-${name}-`)));
      const there = keysOf(await mustPlan(copyOf(name, `pipe-golden-other-place-${name}-`)));
      expect(there, `${name}: keys depend on the project directory`).toEqual(here);
      actual[name] = here;
    }
    expectGolden(goldenFile, JSON.stringify(actual, null, 2) + "\n");
  });
});
