// Golden tests for diagnostics. Each program under test/fixtures/errors (a `NAME.pipe`, or
// a folder whose entry is `main.pipe` beside the modules it imports) is checked and its
// diagnostics rendered exactly as `pipe check` prints them; the text must equal the
// `.expected.txt` file beside it. `UPDATE_GOLDEN=1` rewrites those files: review the diff.
// Every catalog code the front end can produce is pinned by at least one fixture, and
// every program under test/fixtures/valid checks without a single diagnostic.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { sourcesFor } from "../../src/cli/report.js";
import { Diag } from "../../src/diagnostics/catalog.js";
import { sortDiagnostics } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../src/diagnostics/render.js";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { MAX_SOURCE_BYTES, parse } from "../../src/syntax/index.js";
import { expectGolden } from "../golden.js";
import { recordingIo } from "../helpers.js";

const root = path.resolve(import.meta.dirname, "..", "..");

/** Codes no fixture can show, and why. Everything else in the catalog must be covered. */
const excluded: Record<string, string> = {
  P2013: "plan: `--entry NAME` names no pipeline (the front end checks every pipeline)",
  P2015: "a FIFO or device cannot be kept in git as a fixture (test/plan/not-files.test.ts)",
  P2016: "pipelines nested past MAX_PIPELINE_DEPTH: a fixture would be 200 pipelines long (test/project/limits.test.ts)",
  P4001: "plan: -p / --params values",
  P4002: "plan: -p / --params values",
  P4003: "plan: -p / --params values",
  P4004: "plan: project config",
  P4005: "plan: input files on disk",
  P4006: "plan: input files on disk",
  P4009: "plan: --params file",
  P4010: "plan: expanded task count",
  P4011: "the store on disk (test/store/store-config.test.ts)",
  P4045: "`pipe find --where` arguments (test/results/results.test.ts)",
  P4046: "`pipe find --where` arguments (test/results/results.test.ts)",
  P4047: "`pipe find --where` arguments (test/results/results.test.ts)",
  P4048: "a `pipe outputs --link` tree on disk (test/results/results.test.ts)",
  P4049: "a collection under way on the store (test/results/results.test.ts)",
  P4020: "plan: a resource computed from values (test/plan/expressions.test.ts)",
  P4021: "plan: a value known only at run time (test/plan/expressions.test.ts)",
  P4012: "a FIFO or device cannot be kept in git as a fixture (test/plan/not-files.test.ts)",
  P5001: "TypeScript actions (test/check/ts-actions.test.ts)",
  P5002: "TypeScript actions (test/check/ts-actions.test.ts)",
  P5003: "TypeScript actions (test/check/ts-actions.test.ts)",
  P5004: "TypeScript actions (test/check/ts-actions.test.ts)",
  P5005: "TypeScript actions (test/check/ts-actions.test.ts)",
  P5006: "TypeScript actions (test/check/ts-actions.test.ts)",
  P6008: "python3 missing from PATH (test/check/py-actions.test.ts)",
};

/** Inputs too big to keep as files, checked by code and message instead. */
const generated = [
  {
    name: "a file over the size limit",
    code: "P1005",
    text: () => "# padding\n".repeat(Math.ceil((MAX_SOURCE_BYTES + 1) / 10)),
    message: /^file is \d+ bytes, more than the limit of 8388608$/,
  },
];

/** Entry files of the fixtures under `dir`: each `.pipe` at the top, and `main.pipe` in each folder. */
function entries(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith(".pipe")) found.push(full);
    else if (entry.isDirectory() && fs.existsSync(path.join(full, "main.pipe"))) found.push(path.join(full, "main.pipe"));
  }
  return found.sort();
}

function render(file: string): string {
  const result = frontEnd(file, nodeFileHost);
  const sorted = sortDiagnostics(result.diagnostics);
  return renderDiagnostics(sorted, sourcesFor(sorted, result.sources), { cwd: root, color: false });
}

const errorFixtures = entries(path.join(root, "test/fixtures/errors"));
const expectedPath = (file: string) => file.replace(/\.pipe$/, ".expected.txt");
const relative = (file: string) => path.relative(root, file);

describe("error fixtures", () => {
  it("are plenty", () => {
    expect(errorFixtures.length).toBeGreaterThanOrEqual(45);
  });

  for (const file of errorFixtures) {
    it(relative(file), async () => {
      const actual = render(file);
      const expectedFile = expectedPath(file);
      expectGolden(expectedFile, actual);
      expect(actual).not.toBe("");

      // The golden text is what the command prints, before its summary line.
      const failed = / error P\d{4}: /.test(actual);
      const io = recordingIo(root);
      expect(await run(["check", relative(file)], io)).toBe(failed ? 2 : 0);
      const stderr = io.stderr();
      expect(stderr.startsWith(`${actual}\n`)).toBe(true);
      expect(stderr.slice(actual.length + 1)).toMatch(failed ? /^check failed: \d+ errors?, \d+ warnings?\n$/ : /^ok \(0 errors, \d+ warnings?\)\n$/);
    });
  }

  it.each(generated)("$name reports $code", ({ code, text, message }) => {
    const { diagnostics } = parse(text(), "big.pipe");
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([[code, expect.stringMatching(message)]]);
  });
});

describe("catalog coverage", () => {
  const catalog = Object.values(Diag).map((entry) => entry.code);
  const covered = new Set<string>(generated.map((g) => g.code));
  for (const file of errorFixtures) {
    const expectedFile = expectedPath(file);
    if (!fs.existsSync(expectedFile)) continue;
    for (const [, code] of fs.readFileSync(expectedFile, "utf8").matchAll(/^\S*:\d+:\d+: (?:error|warning) (P\d{4}):/gm)) covered.add(code!);
  }

  it("pins every code the front end can produce to a fixture", () => {
    const missing = catalog.filter((code) => !covered.has(code) && !(code in excluded));
    expect(missing, "catalog codes with neither a fixture nor an entry in `excluded`").toEqual([]);
  });

  it("excludes only catalog codes that no fixture shows", () => {
    for (const code of Object.keys(excluded)) {
      expect(catalog, `${code} is excluded but not in the catalog`).toContain(code);
      expect(covered.has(code), `${code} is excluded but a fixture covers it`).toBe(false);
    }
  });

  it("has only codes that the code base produces", () => {
    // Each entry is used as `Diag.name(...)`, or by its name where a phase reports through a hook (the parser).
    const sources = (fs.readdirSync(path.join(root, "src"), { recursive: true }) as string[])
      .filter((f) => f.endsWith(".ts") && !f.endsWith("catalog.ts"))
      .map((f) => fs.readFileSync(path.join(root, "src", f), "utf8"))
      .join("\n");
    const unused = Object.keys(Diag).filter((name) => !sources.includes(`Diag.${name}`) && !sources.includes(`"${name}"`));
    expect(unused, "catalog entries nothing produces: remove them").toEqual([]);
  });

  it("has one meaning per code", () => {
    expect(new Set(catalog).size).toBe(catalog.length);
  });
});

describe("valid programs", () => {
  const valid = entries(path.join(root, "test/fixtures/valid"));

  it("are plenty", () => {
    expect(valid.length).toBeGreaterThanOrEqual(12);
  });

  for (const file of valid) {
    it(`${relative(file)} checks without a diagnostic`, () => {
      const result = frontEnd(file, nodeFileHost);
      expect(render(file)).toBe("");
      expect(result.program?.pipelines.size).toBeGreaterThan(0);
    });
  }
});
