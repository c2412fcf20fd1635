// What every benchmark starts from: the project's root and command, its own command-line
// options, and the build in dist/ that it measures (not the sources).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const pipeBin = path.join(root, "bin", "pipe.js");
export const args = process.argv.slice(2);

/** The number after `name` on the command line, or `fallback`. */
export function option(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Exits with a hint when dist/ lacks `file`: the benchmarks run the build, made by `npm run build`. */
export function requireBuild(file = "cli/index.js") {
  if (fs.existsSync(path.join(root, "dist", file))) return;
  console.error("bench: dist/ is missing; run `npm run build` first");
  process.exit(2);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
