#!/usr/bin/env node
// The bundled command line, dist/bundle/: the modules tsc compiled into dist/ for `pipe`
// (dist/cli/index.js and everything it imports), with the packages of BUNDLED, in a few
// files rather than some ninety, so that a command spends its start-up running rather than
// resolving, reading and compiling modules one by one. What each command loads only when it
// runs (the `import()`s of src/cli/commands.ts and below) stays apart, by esbuild's code
// splitting, in the groups below. The other packages stay outside, loaded from node_modules
// as before; so do the programs tasks run (dist/runtime/*.js), the language server's own
// entry and the prettier plugin, which are dist/'s files as tsc wrote them. The files are
// CommonJS (commonJs below), which bin/pipe.js loads from V8's code cache.
//
// In the bundle, `import.meta.url` of every module is the URL of its own file in dist/, as
// if it were not bundled: code that finds pipe's files from where it sits (host.ts's
// packageRoot, the plan cache's build id, createRequire) finds the same ones.
//
// bin/pipe.js runs the bundle when it is at least as new as dist/cli/index.js (a `tsc`
// after it leaves it stale: then dist/ is run, unbundled). dist/bundle/modules.json says
// which of dist's modules each file of the bundle holds (test/project/startup.test.ts).
//
//   node bin/bundle-cli.mjs [--groups]   (after `tsc -p .`; `npm run build` runs both;
//                                         --groups prints each group and who imports it)

import * as esbuild from "esbuild";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { lateModules } from "./bundle-layout.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const out = path.join(dist, "bundle");
const entry = path.join(dist, "cli", "index.js");
if (!fs.existsSync(entry)) {
  console.error("bundle-cli: no dist/cli/index.js; run `tsc -p .` first");
  process.exit(2);
}

/**
 * The packages bundled in: commander and picocolors, which every command loads, and zod, whose
 * hundred modules cost a compile about 0.1 s of CPU to load one by one (in its own chunk, so
 * that what never reads a file from outside never loads it); log-update, an ES module only,
 * which the bundle, CommonJS, could not require on every Node 20 (with what it imports), and
 * chevrotain (chevrotainBundled). Every other one is required from node_modules, or imported
 * when pipe imports it with `import()` (execa).
 */
const BUNDLED = new Set(["commander", "picocolors", "zod", "log-update"]);

/** The names dist/'s modules import of each of node's modules (`import { a, b as c } from "node:x"`). */
function importedBuiltinNames() {
  const names = new Map();
  for (const file of fs.readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".js") || file.startsWith(`bundle${path.sep}`)) continue;
    const text = fs.readFileSync(path.join(dist, file), "utf8");
    for (const [, clause, from] of text.matchAll(/^import\s+([^;]*?)\s+from\s+"(node:[^"]+)";?$/gm)) {
      const named = /\{([^}]*)\}/.exec(clause);
      if (!named) continue;
      if (!names.has(from)) names.set(from, new Set());
      for (const part of named[1].split(",")) {
        const name = part.trim().split(/\s+as\s+/)[0].replace(/^type\s+/, "");
        if (/^[A-Za-z_$][\w$]*$/.test(name)) names.get(from).add(name);
      }
    }
  }
  return names;
}
const builtinNames = importedBuiltinNames();

/**
 * Loaded only when first used, required or imported: commander requires child_process for
 * executable subcommands, which pipe has none of; node's crypto costs a command some 3 ms to
 * load, and a run of a kept plan hashes nothing. Every name imported of one must be a function.
 */
const LAZY = new Set(["node:child_process", "node:crypto"]);

/** The start of a lazy module's text: `m()` loads it, once. */
const lazyLoader = (from) => `let loaded;\nconst m = () => (loaded ??= require(${from}));\n`;

const external = {
  name: "external-packages",
  setup(build) {
    // node's own modules through `require`, reading only the names pipe imports of them:
    // reading every export (an ES module's facade, or esbuild's `__toESM` copying them into
    // each file) loads what the module keeps lazy (fs's streams, for one).
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (args.kind === "dynamic-import" || args.namespace === "lazy-builtin" || args.namespace === "builtin") return { path: args.path, external: true };
      if (args.kind === "require-call" && LAZY.has(args.path)) return { path: args.path, namespace: "lazy-builtin" };
      if (args.kind === "import-statement") return { path: args.path, namespace: "builtin" };
      return { path: args.path, external: true };
    });
    // An ES module with the names pipe imports of it (as a CommonJS one, every importer
    // would copy all of the module's properties).
    // A lazy one's default is a proxy of it, and each name a function calling its own.
    build.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => {
      const names = [...(builtinNames.get(args.path) ?? [])];
      const from = JSON.stringify(args.path);
      if (!LAZY.has(args.path)) {
        return { contents: [`const m = require(${from});`, "export default m;", ...names.map((name) => `export const ${name} = m.${name};`), ""].join("\n"), loader: "js" };
      }
      const module = createRequire(import.meta.url)(args.path);
      const notFunction = names.find((name) => typeof module[name] !== "function");
      if (notFunction) throw new Error(`bundle-cli: ${args.path}'s ${notFunction} is imported by name, which a lazy module allows only of functions`);
      return {
        contents: [
          lazyLoader(from),
          "export default new Proxy({}, { get: (_, name) => m()[name] });",
          ...names.map((name) => `export function ${name}(...args) { return m().${name}(...args); }`),
          "",
        ].join("\n"),
        loader: "js",
      };
    });
    build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: `${lazyLoader(JSON.stringify(args.path))}module.exports = new Proxy({}, { get: (_, name) => m()[name] });\n`,
      loader: "js",
    }));
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      // What a bundled package imports is bundled with it.
      if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
      return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * The hot paths. esbuild's code splitting puts a module in a chunk of its own for every
 * distinct set of entry points (the `import()` targets) that reach it: some seventy small
 * files, each costing a resolve, a read and a compile at start-up. Here a group of modules is
 * made one chunk by having every entry that needs the group import all of it.
 *
 * The first group is the command line and what a `pipe run` or `pipe plan` of a kept plan
 * needs (no parser, checker, compiler, schema or driver): every command loads it, and every
 * entry imports it. Each later group is what its roots import, through any depth, less the
 * groups before it. An entry of a hot path (a group's root) needs the groups whose roots it
 * reaches, and those they are `on`; any other entry (the rarer commands) needs every group
 * it reaches a module of, and loads it whole. A module that an entry not needing its group
 * reaches leaves the group, so that a hot path never loads a group for one module of it:
 * into the first group when neither it nor what it imports uses a package, else to a small
 * chunk of esbuild's. A no-op `pipe run` or `pipe plan` then loads three files of the bundle,
 * `pipe check` four; what a command loads beyond its need is code it never runs.
 */
const GROUPS = [
  { roots: ["cli/index.js", "cli/run-command.js", "cli/plan-command.js"], on: [] },
  // The front end: parsing and checking.
  { roots: ["cli/check-command.js", "phases.js"], on: [0] },
  // Comparing two plans, which reads them without their schema.
  { roots: ["cli/diff-command.js"], on: [0] },
  // The store's writers and the plan's schema, which compiling and running both use.
  { roots: ["store/index.js", "plan/plan.js"], on: [0] },
  // Compiling a plan.
  { roots: ["cli/compile-program.js"], on: [0, 1, 3] },
  // Running one.
  { roots: ["backends/local/driver.js", "plan/verify-inputs.js"], on: [0, 3] },
].map(({ roots, on }) => ({ roots: roots.map((r) => path.join(dist, r)), on }));

const GROUP_NS = "pipe-group";

/** The module graph as esbuild sees it: each module's static imports and packages, and the modules some `import()` loads. */
async function moduleGraph() {
  const { metafile } = await esbuild.build({ ...options, plugins: [external, ownUrl(new Map())], write: false, metafile: true, logLevel: "silent" });
  const imports = new Map();
  const packages = new Map();
  const entries = new Set([entry]);
  for (const [file, input] of Object.entries(metafile.inputs)) {
    const from = path.resolve(root, file);
    imports.set(from, []);
    packages.set(from, []);
    for (const i of input.imports) {
      if (i.external) {
        if (!i.path.startsWith("node:")) packages.get(from).push(i.path);
        continue;
      }
      const to = path.resolve(root, i.path);
      if (i.kind === "dynamic-import") entries.add(to);
      else if (i.kind === "import-statement") imports.get(from).push(to);
    }
  }
  return { imports, packages, entries };
}

/** The groups' members, and the groups each entry imports. */
function groupImports({ imports, packages, entries }) {
  const closure = (starts) => {
    const seen = new Set();
    const todo = [...starts];
    while (todo.length) {
      const m = todo.pop();
      if (seen.has(m)) continue;
      seen.add(m);
      for (const i of imports.get(m) ?? []) todo.push(i);
    }
    return seen;
  };
  const ours = (m) => m.startsWith(dist + path.sep);
  const groups = [];
  const taken = new Set();
  for (const { roots } of GROUPS) {
    const members = new Set([...closure(roots)].filter((m) => ours(m) && !taken.has(m)));
    for (const m of members) taken.add(m);
    groups.push(members);
  }
  // The entries of the hot paths (the groups' roots, and the command line's): the others
  // need every group they reach a module of, and load it whole.
  const hot = new Set([entry, ...GROUPS.flatMap(({ roots }) => roots)].filter((e) => entries.has(e)));
  const needs = new Map();
  const reaches = new Map();
  for (const e of entries) {
    const reach = closure([e]);
    const needed = new Set([0]);
    GROUPS.forEach(({ roots, on }, g) => {
      const needing = hot.has(e) ? roots.some((r) => reach.has(r)) : [...groups[g]].some((m) => reach.has(m));
      if (needing) for (const n of [g, ...on]) needed.add(n);
    });
    needs.set(e, needed);
    reaches.set(e, reach);
  }
  const light = (m) => [...closure([m])].every((d) => ours(d) && packages.get(d)?.length === 0 && !fs.readFileSync(d, "utf8").includes("createRequire("));
  for (let g = 1; g < groups.length; g++) {
    for (const m of groups[g]) {
      if (![...entries].some((e) => !needs.get(e).has(g) && reaches.get(e).has(m))) continue;
      groups[g].delete(m);
      if (!light(m)) continue;
      for (const d of closure([m])) {
        for (const members of groups) members.delete(d);
        groups[0].add(d);
      }
    }
  }
  // An entry never imports a group of which a module (but itself) imports it: plan/plan.js,
  // which store/meta.js imports, is also loaded by `import()`. That would close a cycle through
  // the group, and the group's modules would be laid out before the entry they import, their
  // top level reading its bindings before they are set.
  const reachesEntry = (g, e) => closure([...groups[g]].filter((m) => m !== e)).has(e);
  const injected = new Map([...needs].map(([e, gs]) => [e, new Set([...gs].filter((g) => !reachesEntry(g, e)))]));
  return { groups, injected };
}

/**
 * dist/syntax/chevrotain.js imports chevrotain's single-file build by its URL, awaited at its
 * top level, which CommonJS has not: in the bundle it re-exports the same names from that
 * file, bundled in (into the front end's chunk).
 */
const chevrotainModule = path.join(dist, "syntax", "chevrotain.js");
function chevrotainBundled(text) {
  const names = /^export const \{([^}]*)\} = chevrotain;$/m.exec(text);
  if (!names) throw new Error("bundle-cli: dist/syntax/chevrotain.js no longer exports `const { ... } = chevrotain`");
  const file = path.join(path.dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "chevrotain.mjs");
  return `export {${names[1]}} from ${JSON.stringify(file)};\n`;
}

/**
 * Gives every module of dist/ its own file's URL as `import.meta.url` (the bundle's files sit
 * in dist/bundle/, one level down), and makes each entry import the groups it reaches.
 */
const ownUrl = (injected) => ({
  name: "own-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined;
      let text = await fs.promises.readFile(args.path, "utf8");
      if (args.path === chevrotainModule) text = chevrotainBundled(text);
      if (text.includes("import.meta.url")) {
        const relative = path.relative(out, args.path).split(path.sep).join("/");
        text = text.replaceAll("import.meta.url", `new URL(${JSON.stringify(relative)}, import.meta.url).href`);
      }
      const groups = [...(injected.get(args.path) ?? [])].sort();
      return { contents: groups.map((g) => `import "${GROUP_NS}:${g}";\n`).join("") + text, loader: "js" };
    });
  },
});

const grouped = (groups) => ({
  name: "groups",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${GROUP_NS}:`) }, (args) => ({ path: args.path, namespace: GROUP_NS }));
    build.onLoad({ filter: /.*/, namespace: GROUP_NS }, (args) => ({
      contents: [...groups[Number(args.path.slice(GROUP_NS.length + 1))]].map((m) => `import ${JSON.stringify(m)};\n`).join(""),
      resolveDir: root,
      loader: "js",
    }));
  },
});

const options = {
  absWorkingDir: root,
  entryPoints: { pipe: entry },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "[name]-[hash]",
  // What the plan cache names pipe's build by (src/plan/plan-cache.ts): the bundle's files.
  define: { "import.meta.pipeBundle": "true" },
  legalComments: "none",
  logLevel: "warning",
};

const { groups, injected } = groupImports(await moduleGraph());
if (process.argv.includes("--groups")) {
  groups.forEach((members, g) => console.log(`group ${g}: ${[...members].map((m) => path.relative(dist, m)).sort().join(" ")}`));
  for (const [e, g] of injected) console.log(`${path.relative(dist, e)} imports groups ${[...g].sort().join(", ")}`);
}
/**
 * A file of the bundle as CommonJS, which bin/pipe.js loads (`loadBundle` there): required,
 * not imported, so that a command starts without node's ES module loader, and compiled from
 * V8's code cache, which Node 20 keeps for no ES module. esbuild splits ES modules only, so
 * each file is converted after. Its `import()`s become `__pipeImport()`, which the loader
 * gives each file with `__pipeUrl`, the file's own URL (its `import.meta.url`): a file of the
 * bundle is required, when the promise is awaited; anything else (execa) is imported.
 */
async function commonJs(file) {
  // Each module's name, over its code, is kept as a legal comment: the others are dropped.
  const { code } = await esbuild.transform(plainLinks(file.text).replace(/^\/\/ (dist\/\S+\.js)$/gm, "//! $1"), {
    format: "cjs",
    platform: "node",
    target: "node20",
    // Named as an ES module, for node's meaning of a CommonJS package's default export (its
    // `module.exports`, as `import pkg from "vscode-languageserver/node.js"` needs).
    sourcefile: path.basename(file.path).replace(/\.js$/, ".mjs"),
    // As `Promise.resolve().then(() => __toESM(require(NAME), 1))`, which is made `__pipeImport(NAME)`.
    supported: { "dynamic-import": false },
    // The modules were ES modules: strict.
    banner: '"use strict";',
    define: { "import.meta.url": "__pipeUrl" },
    legalComments: "inline",
    logLevel: "warning",
    // `module.exports` is plainLinks's: the file exports nothing as an ES module.
    logOverride: { "commonjs-variable-in-esm": "silent" },
  });
  const dynamic = "Promise.resolve().then(() => __toESM(require(";
  let imports = 0;
  const converted = code.replace(/Promise\.resolve\(\)\.then\(\(\) => __toESM\(require\(("[^"]+")\), 1\)\)/g, (_, name) => {
    imports++;
    return `__pipeImport(${name})`;
  });
  if (code.split(dynamic).length - 1 !== imports) throw new Error(`bundle-cli: ${path.relative(root, file.path)} has an import() of a name not written out, which the bundle cannot load`);
  return converted;
}

/**
 * The links between the bundle's files made plain CommonJS before the rest is converted: an
 * `import { a, b as c } from "./chunk.js"` becomes `const { a, b: c } = require("./chunk.js")`
 * and the closing `export { ... }` one object of values, `module.exports`. esbuild's own
 * conversion would make each name a getter of a getter (`__toCommonJS` over `__export`), which
 * every call of an imported function then goes through: some 25 ms of a 100,000-task plan.
 * Values copied so are not live bindings: what the modules export is never assigned again
 * (tsc's `const`, `function` and `class`), and each file is done before another takes its
 * names, as the files' links make no cycle (checked below).
 */
function plainLinks(text) {
  const names = (list, from, to) => list.replace(/([\w$]+) as ([\w$]+)/g, `$${from}: $${to}`);
  return text
    .replace(LINK, (_, list, file) => (list === undefined ? `require("./${file}");` : `const {${names(list, 1, 2)}} = require("./${file}");`))
    .replace(/^export \{([^}]*)\};$/m, (_, list) => `module.exports = {${names(list, 2, 1)}};`);
}

/** A static import of another of the bundle's files, as esbuild writes it: the names taken (none for `import "./x.js"`), the file. */
const LINK = /^import (?:\{([^}]*)\} from )?"\.\/([^"]+)";$/gm;

/** Fails the build when the files' static links make a cycle, in which a file would take the names of one not yet done. */
function acyclic(outputs) {
  const links = new Map(outputs.map((f) => [path.basename(f.path), [...f.text.matchAll(LINK)].map((m) => m[2])]));
  const state = new Map();
  const visit = (name, trail) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "open") throw new Error(`bundle-cli: the bundle's files import each other in a cycle: ${[...trail, name].join(" -> ")}`);
    state.set(name, "open");
    for (const next of links.get(name) ?? []) visit(next, [...trail, name]);
    state.set(name, "done");
  };
  for (const name of links.keys()) visit(name, []);
}

const result = await esbuild.build({ ...options, plugins: [grouped(groups), external, ownUrl(injected)], metafile: true, write: false });
acyclic(result.outputFiles.filter((f) => f.path.endsWith(".js")));
const late = lateModules(root, result.outputFiles.filter((f) => f.path.endsWith(".js")).map((f) => ({ name: path.basename(f.path), text: f.text })));
if (late.length > 0) {
  throw new Error(`bundle-cli: esbuild laid modules out before ones they import, whose bindings they would read unset:\n  ${late.join("\n  ")}\na module loaded by import() and imported in the same file is the usual cause: see groupImports`);
}
const files = await Promise.all(result.outputFiles.map(async (file) => [file.path, file.path.endsWith(".js") ? await commonJs(file) : file.contents]));
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
for (const [file, contents] of files) fs.writeFileSync(file, contents);
fs.writeFileSync(path.join(out, "package.json"), '{ "type": "commonjs" }\n');

/** Each file of the bundle, relative to dist/bundle, with the modules it holds: dist/... for pipe's, node_modules/... for a package's. */
const modules = {};
const named = (input) => {
  const file = path.resolve(root, input).split(path.sep).join("/");
  const at = file.lastIndexOf("/node_modules/");
  return at >= 0 ? file.slice(at + 1) : path.relative(root, file).split(path.sep).join("/");
};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  modules[path.relative(out, path.resolve(root, file)).split(path.sep).join("/")] = Object.keys(output.inputs)
    .filter((i) => !i.startsWith(`${GROUP_NS}:`))
    .map(named)
    .sort();
}
fs.writeFileSync(path.join(out, "modules.json"), JSON.stringify(modules, null, 2) + "\n");
