// The program a task runs for a TypeScript action:
//
//   node <pipe>/dist/runtime/ts-runner.js <module> <export> <args.json> <out-dir> <output-types>
//
// <args.json> is a file holding an object of parameter values (a `null` is an absent
// optional and reaches the function as `undefined`); <output-types> is a JSON object such
// as `{"report":"File","mean":"Float"}`, and [<output-files-json>] the file names outputs
// declare where they are not their names. The runner imports <module> through ts-loader's
// hooks (no build step), calls <export> with the parameters, awaits it, and writes each
// returned output to <out-dir>/<name> (see outputs.ts). Relative paths are relative to the
// working directory, the project directory. The call's `os.tmpdir()` is a fresh directory
// of its own (<out-dir>/.scratch): a returned path there is moved into the store, any
// other is copied. Any failure is one line on stderr and exit
// status 1 (the action failed) or 2 (the runner was invoked wrongly).

import fs from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolveArgs } from "./args.js";
import { collectOutputs, isOutputTypeText, OutputError, outputTypes, writeOutputs, type OutputType } from "./outputs.js";

const usage = "usage: ts-runner.js <module> <export> <args.json> <out-dir> <output-types-json> [<output-files-json>]";

class Failure extends Error {
  constructor(message: string, readonly status: 1 | 2, options?: { cause: unknown }) {
    super(message, options);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.length !== 5 && argv.length !== 6) throw new Failure(usage, 2);
  const [module, exportName, argsFile, outDir, typesJson, filesJson] = argv as [string, string, string, string, string, string?];
  const files = filesJson === undefined ? {} : (parseJson(filesJson, "output files") as Record<string, string>);
  const types = parseTypes(typesJson);
  const args = readArgs(argsFile);
  const where = `${module}#${exportName}`;

  register("./ts-loader.js", import.meta.url);
  process.setSourceMapsEnabled(true); // so that a thrown error points into the .ts source
  let exports: Record<string, unknown>;
  try {
    exports = await import(pathToFileURL(path.resolve(module)).href);
  } catch (error) {
    throw new Failure(`cannot load ${module}: ${describe(error)}`, 1, { cause: error });
  }
  const fn = exports[exportName];
  if (typeof fn !== "function") throw new Failure(`${module} has no exported function \`${exportName}\``, 1);

  // The call's own directory, inside the work directory so that what it returns from
  // there is renamed into the store and a failed task's script removes it with the rest.
  const scratch = path.resolve(outDir, ".scratch");
  fs.mkdirSync(scratch, { recursive: true });
  process.env["TMPDIR"] = scratch; // os.tmpdir() reads it on every call
  try {
    let result: unknown;
    try {
      result = await fn(args);
    } catch (error) {
      throw new Failure(`${where} threw: ${describe(error)}`, 1, { cause: error });
    }
    try {
      writeOutputs(collectOutputs(result, types, scratch), outDir, files);
    } catch (error) {
      const message = error instanceof OutputError ? `${where} ${error.message}` : `cannot write the outputs of ${where}: ${describe(error)}`;
      throw new Failure(message, 1, { cause: error });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Both JSON inputs are written by the plan compiler, so a shape check is enough here;
 * zod would add to the start-up time of every task.
 */
function parseTypes(json: string): Record<string, OutputType> {
  const parsed: unknown = parseJson(json, "output types");
  const valid = isObject(parsed) && Object.values(parsed).every((t) => (outputTypes as readonly unknown[]).includes(t) || (typeof t === "string" && isOutputTypeText(t)));
  if (!valid) throw new Failure(`output types must be an object of ${outputTypes.join("|")} or structured types, got ${json}`, 2);
  return parsed as Record<string, OutputType>;
}

function readArgs(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new Failure(`cannot read arguments: ${describe(error)}`, 2, { cause: error });
  }
  const parsed = parseJson(text, file);
  if (!isObject(parsed)) throw new Failure(`${file} must hold a JSON object of parameter values`, 2);
  // A task script hands over the plan's values and its inputs; a plain object is taken as is.
  if (isObject(parsed["args"]) && Array.isArray(parsed["inputs"])) {
    const store = process.env["PIPE_STORE"];
    if (!store) throw new Failure("PIPE_STORE is not set", 2);
    try {
      return resolveArgs(parsed["args"], parsed["inputs"] as Parameters<typeof resolveArgs>[1], store);
    } catch (error) {
      throw new Failure(`cannot read the arguments' upstream values: ${describe(error)}`, 1, { cause: error });
    }
  }
  return resolveArgs(parsed, [], "");
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Failure(`${what} is not valid JSON: ${describe(error)}`, 2, { cause: error });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An error as one line: its message, and where in a TypeScript source it was thrown. */
function describe(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
  // Source-mapped frames name a path, unmapped ones a file URL.
  const frame = error instanceof Error ? /((?:file:\/\/)?\/[^\s()]+?\.m?ts):(\d+):(\d+)/.exec(error.stack ?? "") : null;
  if (!frame) return message;
  const file = frame[1]!.startsWith("file:") ? fileURLToPath(frame[1]!) : frame[1]!;
  const shown = path.relative(process.cwd(), file);
  return `${message} (at ${shown.startsWith("..") ? file : shown}:${frame[2]}:${frame[3]})`;
}

// The exit is explicit: a handle the action left open (a timer, a socket) must not keep
// the task alive after its outputs are written.
main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const failure = error instanceof Failure ? error : new Failure(describe(error), 1, { cause: error });
    process.stderr.write(`error: ${failure.message}\n`);
    const cause = failure.cause instanceof Error ? failure.cause : undefined;
    if (process.env["PIPE_DEBUG"] && cause?.stack) process.stderr.write(`${cause.stack}\n`);
    process.exit(failure.status);
  },
);
