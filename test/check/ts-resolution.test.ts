// One rule for what a relative import in a TypeScript action names: the checker reads
// those files' types, the cache key hashes those files, and the runtime loads exactly
// those files (src/module-resolution.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsSourceFiles } from "../../src/check/ts-sources.js";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { resolveRelative } from "../../src/module-resolution.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const dist = path.join(root, "dist/runtime");

/** Every import form, each naming a different file; a decoy throws if it is ever loaded. */
const graph: Record<string, string> = {
  "package.json": `{ "type": "module" }\n`,
  "main.ts": [
    `import { a } from "./a.js";`, // `.js` naming a `.ts` file
    `import { b } from "./b";`, // extensionless, `.ts` before `.js`
    `import { c, type Count } from "./c";`, // extensionless `.mts`, which TypeScript alone would not find
    `import { d } from "./d";`, // extensionless `.js`
    `import { lib, type Label } from "./lib";`, // a directory's index.ts
    `import { e } from "./e.ts";`, // as written
    `import path from "node:path";`, // not a project file
    `export function run(): { joined: Label; count: Count } {`,
    `  return { joined: [a, b, c, d, lib, e, path.basename("/x/y")].join(" "), count: 7 };`,
    `}`,
  ].join("\n"),
  "a.ts": `export const a: string = "a";\n`,
  "b.ts": `export const b: string = "b";\n`,
  "b.js": `throw new Error("the decoy b.js was loaded");\n`,
  "c.mts": `export const c: string = "c";\nexport type Count = number;\n`,
  "d.js": `export const d = "d";\n`,
  "e.ts": `export const e: string = "e";\n`,
  "lib/index.ts": `import { inner } from "./inner.js";\nimport { up } from "../up";\nexport const lib: string = inner + up;\nexport type Label = string;\n`,
  "lib/inner.ts": `export const inner: string = "inner";\n`,
  "up.ts": `export const up: string = "+up";\n`,
  "unused.ts": `export const unused = 1;\n`,
  "main.pipe": `action run = ts "./main.ts#run"\npipeline main() -> (j: String) {\n  let r = run()\n  return (j = r.joined)\n}\n`,
  // Registers the shipped loader, then a hook that records every file it is asked to load.
  "driver.mjs": [
    `import { register } from "node:module";`,
    `import { pathToFileURL } from "node:url";`,
    `const [loader, main, log] = process.argv.slice(2);`,
    `register(pathToFileURL(loader));`,
    `register("./record.mjs", import.meta.url, { data: log });`,
    `const m = await import(pathToFileURL(main).href);`,
    `console.log(m.run().joined);`,
  ].join("\n"),
  "record.mjs": [
    `import fs from "node:fs";`,
    `let log;`,
    `export function initialize(data) { log = data; }`,
    `export async function load(url, context, next) {`,
    `  if (url.startsWith("file:")) fs.appendFileSync(log, url + "\\n");`,
    `  return next(url, context);`,
    `}`,
  ].join("\n"),
};

let dir: string;
let cache: string;
beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pipe-resolve-")));
  cache = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-resolve-cache-"));
  for (const [name, text] of Object.entries(graph)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
});
afterAll(() => {
  for (const d of [dir, cache]) fs.rmSync(d, { recursive: true, force: true });
});

const inDir = (...names: string[]) => names.map((n) => path.join(dir, n)).sort();
const expected = () => inDir("main.ts", "a.ts", "b.ts", "c.mts", "d.js", "e.ts", "lib/index.ts", "lib/inner.ts", "up.ts");

describe("resolveRelative", () => {
  it("takes each form in the documented order", () => {
    fs.mkdirSync(path.join(dir, "order/x"), { recursive: true });
    const at = (name: string) => path.join(dir, "order", name);
    for (const f of ["x.ts", "x.js", "x/index.ts", "y.mts", "y.js", "z.js", "w/index.js"]) {
      fs.mkdirSync(path.dirname(at(f)), { recursive: true });
      fs.writeFileSync(at(f), "");
    }
    const from = path.join(dir, "order");
    expect(resolveRelative("./x.js", from)).toBe(at("x.ts")); // the twin first
    expect(resolveRelative("./x", from)).toBe(at("x.ts")); // a file before a directory
    expect(resolveRelative("./x/", from)).toBe(at("x/index.ts")); // a trailing slash means the directory
    expect(resolveRelative("./y", from)).toBe(at("y.mts")); // .mts before .js
    expect(resolveRelative("./z", from)).toBe(at("z.js"));
    expect(resolveRelative("./z.js", from)).toBe(at("z.js")); // no twin: the file as written
    expect(resolveRelative("./w", from)).toBe(at("w/index.js"));
    expect(resolveRelative("./x", path.join(from, "x"))).toBeUndefined();
    expect(resolveRelative("node:fs", from)).toBeUndefined();
    expect(resolveRelative("x", from)).toBeUndefined(); // a package, not a file
  });
});

describe("a module graph with every import form", () => {
  it("checks: the types come from the files the rule names", () => {
    const result = frontEnd(path.join(dir, "main.pipe"), nodeFileHost);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const action = [...(result.program?.actions.values() ?? [])].find((a) => a.name === "run");
    expect(action?.outputs.map((o) => `${o.name}: ${o.type.kind}`)).toEqual(["joined: String", "count: Float"]);
  });

  it("puts the same files in the key as the runtime loads", async () => {
    expect(tsSourceFiles(path.join(dir, "main.ts"))).toEqual(expected());
    const log = path.join(dir, "loaded.log");
    const result = await execa("node", [path.join(dir, "driver.mjs"), path.join(dist, "ts-loader.js"), path.join(dir, "main.ts"), log], {
      reject: false,
      env: { XDG_CACHE_HOME: cache },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("a b c d inner+up e y");
    // The project's files only: the loader itself loads the TypeScript compiler.
    const loaded = new Set(fs.readFileSync(log, "utf8").trim().split("\n").map((u) => fileURLToPath(u)));
    expect([...loaded].filter((f) => f.startsWith(dir + path.sep)).sort()).toEqual(expected());
  });

  it("runs through the shipped runner", async () => {
    fs.writeFileSync(path.join(dir, "args.json"), "{}");
    const types = `{"joined":"String","count":"Int"}`;
    const result = await execa("node", [path.join(dist, "ts-runner.js"), "main.ts", "run", "args.json", "out", types], {
      cwd: dir,
      reject: false,
      env: { XDG_CACHE_HOME: cache },
    });
    expect(result.stderr).toBe("");
    expect(fs.readFileSync(path.join(dir, "out/joined"), "utf8")).toBe("a b c d inner+up e y");
  });
});
