#!/usr/bin/env node
// The `pipe` command: a thin shim over the compiled CLI. It runs the bundled CLI
// (dist/bundle/, made by bin/bundle-cli.mjs: the same modules in fewer files) when that is
// at least as new as tsc's dist/cli/index.js, else dist/ itself: a `tsc` alone never leaves
// pipe running an old bundle.
import { createRequire } from "node:module";

// Through require: an import of node:fs would load its streams too (the module's ESM facade reads every export).
const fs = createRequire(import.meta.url)("node:fs");

const bundle = new URL("../dist/bundle/pipe.js", import.meta.url);
const bundled = fs.statSync(bundle, { throwIfNoEntry: false });
const compiled = bundled && fs.statSync(new URL("../dist/cli/index.js", import.meta.url), { throwIfNoEntry: false });
const { run } = await import(bundled && (!compiled || bundled.mtimeMs >= compiled.mtimeMs) ? bundle.href : "../dist/cli/index.js");

process.exitCode = await run(process.argv.slice(2));
