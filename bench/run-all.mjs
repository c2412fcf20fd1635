#!/usr/bin/env node
// `npm run bench`: builds pipe (`npm run build`), then runs every benchmark in this folder
// one after another, with the options given after `--` (none: each runs at the sizes
// README.md reports), and ends with the list of those that exited non-zero (a missed
// target, a missing peer tool).
//
//   node bench/run-all.mjs [--only NAME[,NAME...]] [-- ARGS]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { args, root } from "./common.mjs";

const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1].split(",")) : undefined;
const dash = args.indexOf("--");
const passed = dash >= 0 ? args.slice(dash + 1) : [];

const here = path.join(root, "bench");
const benchmarks = fs
  .readdirSync(here)
  .filter((f) => f.endsWith(".mjs") && f !== "common.mjs" && f !== "run-all.mjs")
  .map((f) => f.replace(/\.mjs$/, ""))
  .filter((name) => !only || only.has(name))
  .sort();

// tsc and the bundle both: after tsc alone, bin/pipe.js runs dist/ unbundled (a slower start).
const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const failed = [];
for (const name of benchmarks) {
  console.log(`\n=== bench/${name}.mjs ${passed.join(" ")}`.trimEnd());
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [path.join(here, `${name}.mjs`), ...passed], { cwd: root, stdio: "inherit" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`=== ${name}: exit ${result.status ?? result.signal} after ${seconds.toFixed(1)} s`);
  if (result.status !== 0) failed.push(name);
}
console.log(failed.length ? `\nexited non-zero: ${failed.join(", ")}` : "\nall benchmarks exited 0");
process.exitCode = failed.length ? 1 : 0;
