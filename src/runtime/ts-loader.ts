// Module hooks (for `module.register`) that let Node 20 import TypeScript sources without a
// build step: `.ts`/`.mts` files are transpiled to ESM by esbuild's `transform` (types
// stripped; the TypeScript compiler that ts-morph ships when esbuild fails), and a
// relative specifier names the file the checker read for it (src/module-resolution.ts: `./x.js` → `./x.ts`, `./x` → `./x.ts`, `./dir` → `./dir/index.ts`).
//
// A sweep runs the same module in many tasks, so transpiled output is cached per user,
// keyed by the source's content.

import { createHash } from "node:crypto";
import fs from "node:fs";
import type { LoadHook, ResolveHook } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isRelative, resolveRelative } from "../module-resolution.js";

/** Bump when the transpile options change, so that old cache entries are not reused. */
const CACHE_FORMAT = "pipe-ts-2";

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const parent = context.parentURL;
  // A published package means its own `.js` files, even where it also ships sources.
  if (isRelative(specifier) && parent?.startsWith("file:") && !parent.includes("/node_modules/")) {
    const file = resolveRelative(specifier, path.dirname(fileURLToPath(parent)));
    if (file) return { url: pathToFileURL(file).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith("file:") || !/\.m?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  return { format: "module", source: await transpile(file, fs.readFileSync(file, "utf8")), shortCircuit: true };
};

async function transpile(file: string, source: string): Promise<string> {
  const key = createHash("sha256").update(`${CACHE_FORMAT}\0${file}\0${source}`).digest("hex");
  const cached = path.join(cacheDir(), `${key}.mjs`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    // Not cached yet: transpile below.
  }
  const output = (await stripTypes(file, source)) ?? (await transpileWithTypeScript(file, source));
  store(cached, output);
  return output;
}

/**
 * esbuild's `transform` strips the types in milliseconds, where loading the TypeScript
 * compiler takes most of a second; undefined when esbuild is not installed or refuses the
 * source (a construct it does not support), and the compiler does it instead.
 */
async function stripTypes(file: string, source: string): Promise<string | undefined> {
  // The compiler's path on demand, for bench/task-start.mjs to compare the two.
  if (process.env["PIPE_TS_TRANSPILER"] === "typescript") return undefined;
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    return undefined;
  }
  try {
    const result = await esbuild.transform(source, { loader: "ts", format: "esm", target: "es2022", sourcemap: "inline", sourcefile: file, sourcesContent: true });
    return result.code;
  } catch {
    return undefined;
  }
}

async function transpileWithTypeScript(file: string, source: string): Promise<string> {
  const { ts } = await import("ts-morph");
  return ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true },
  }).outputText;
}

/**
 * A directory only this user can write: a shared temporary directory would let another
 * user plant code that this user's tasks then run. In the home directory it is also shared
 * by the nodes of a cluster.
 */
function cacheDir(): string {
  const base = process.env["XDG_CACHE_HOME"] || path.join(os.homedir(), ".cache");
  return path.join(base, "pipe", "ts");
}

/** Best effort: a cache that cannot be written only costs time, never correctness. */
function store(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file); // atomic, so that concurrent tasks never read half a file
  } catch {
    fs.rmSync(temp, { force: true });
  }
}
