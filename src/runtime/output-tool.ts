// The program a self-contained task script runs for structured outputs (plan/script.ts),
// so that a Slurm task checks and reads them with the very code the local backend runs
// in-process (store/structured.ts):
//
//   node <pipe>/dist/runtime/output-tool.js check <work-dir> <outputs-json>
//     prints the first problem of the structured outputs (`[{name, file, type}]`) and exits
//     1, or exits 0 when they are valid;
//   node <pipe>/dist/runtime/output-tool.js read <store> < <inputs-json>
//     prints one bash assignment per upstream value (`[{var, file, type, fields?}]` on
//     stdin, each file relative to the store).
//
// Exit status 2 when invoked wrongly or when a stored value cannot be read.

import fs from "node:fs";
import path from "node:path";
import { inputAssignment, structuredOutputsProblem, type OutputCheck, type StructuredInput } from "../store/structured.js";

const [command, ...args] = process.argv.slice(2);
try {
  if (command === "check" && args.length === 2) {
    const problem = structuredOutputsProblem(args[0]!, JSON.parse(args[1]!) as OutputCheck[]);
    if (problem) {
      process.stdout.write(`${problem}\n`);
      process.exitCode = 1;
    }
  } else if (command === "read" && args.length === 1) {
    const inputs = JSON.parse(fs.readFileSync(0, "utf8")) as StructuredInput[];
    process.stdout.write(inputs.map((i) => inputAssignment({ ...i, file: path.resolve(args[0]!, i.file) }) + "\n").join(""));
  } else {
    process.stderr.write("usage: output-tool.js check <work-dir> <outputs-json> | read <store> < <inputs-json>\n");
    process.exitCode = 2;
  }
} catch (error) {
  process.stderr.write(`pipe: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
