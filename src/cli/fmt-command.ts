// `pipe fmt FILE...`: format `.pipe` files (a directory stands for the `.pipe` files under it,
// store directories named `.pipe` aside). With one file and no flag the result goes to
// stdout; `--write` rewrites files in place; `--check` lists the files that would change and
// exits 1 if there are any. A file with a syntax error is reported and left alone (exit 2).
// The formatter (and prettier with it) is loaded only when this command runs.

import fs from "node:fs";
import path from "node:path";
import { Exit, type Io } from "./io.js";
import { printDiagnostics } from "./report.js";
import { MAX_SOURCE_BYTES, describeProblem, readUserFile } from "../host.js";
import { append } from "../arrays.js";

export interface FmtFlags {
  readonly check?: boolean;
  readonly write?: boolean;
  readonly stdinFilepath?: string;
}

export async function fmtCommand(args: readonly string[], flags: FmtFlags, io: Io): Promise<number> {
  if (flags.check && flags.write) {
    io.err("pipe fmt: use either --check or --write\n");
    return Exit.invalid;
  }
  if (args.includes("-")) return fmtStdin(args, flags, io);
  let invalid = false;
  const files: string[] = [];
  for (const arg of args) {
    const found = pipeFiles(path.resolve(io.cwd, arg));
    if (found === undefined) {
      io.err(`pipe fmt: ${arg}: no such file or directory\n`);
      invalid = true;
    } else append(files, found);
  }
  if (!flags.check && !flags.write && files.length !== 1) {
    io.err(files.length === 0 ? "pipe fmt: no .pipe files found\n" : "pipe fmt: several files: give --write or --check\n");
    return Exit.invalid;
  }

  const { formatText } = await import("../format/index.js");
  const show = (file: string) => path.relative(io.cwd, file) || file;
  let failed = false;
  let changed = 0;
  for (const file of files) {
    const read = readUserFile(file, MAX_SOURCE_BYTES);
    if (!read.ok) {
      io.err(`pipe fmt: ${describeProblem(show(file), read)}\n`);
      invalid = true;
      continue;
    }
    const text = read.text;
    let result;
    try {
      result = await formatText(text, file);
    } catch (error) {
      io.err(`pipe fmt: ${show(file)}: ${error instanceof Error ? error.message : String(error)}\n`);
      failed = true;
      continue;
    }
    if (result.formatted === undefined) {
      printDiagnostics(io, result.diagnostics, new Map([[file, text]]));
      invalid = true;
      continue;
    }
    if (!flags.check && !flags.write) io.out(result.formatted);
    else if (result.formatted !== text) {
      changed++;
      if (flags.write) fs.writeFileSync(file, result.formatted);
      io.out(`${show(file)}\n`);
    }
  }
  if (flags.check && changed > 0) io.err(`${changed} of ${files.length} file${files.length === 1 ? "" : "s"} not formatted\n`);
  if (invalid) return Exit.invalid;
  if (failed) return Exit.failed;
  return flags.check && changed > 0 ? Exit.failed : Exit.ok;
}

/** `pipe fmt -`: standard input formatted to standard output (or only checked). */
async function fmtStdin(args: readonly string[], flags: FmtFlags, io: Io): Promise<number> {
  if (args.length !== 1 || flags.write) {
    io.err("pipe fmt: `-` (standard input) goes alone and without --write\n");
    return Exit.invalid;
  }
  const text = io.readStdin?.() ?? "";
  const file = path.resolve(io.cwd, flags.stdinFilepath ?? "<stdin>.pipe");
  const shown = flags.stdinFilepath ?? "<stdin>";
  const { formatText } = await import("../format/index.js");
  let result;
  try {
    result = await formatText(text, file);
  } catch (error) {
    io.err(`pipe fmt: ${shown}: ${error instanceof Error ? error.message : String(error)}\n`);
    return Exit.failed;
  }
  if (result.formatted === undefined) {
    printDiagnostics(io, result.diagnostics, new Map([[file, text]]));
    return Exit.invalid;
  }
  if (!flags.check) {
    io.out(result.formatted);
    return Exit.ok;
  }
  if (result.formatted === text) return Exit.ok;
  io.out(`${shown}\n`);
  return Exit.failed;
}

/** `target` itself if it is a file, the `.pipe` files under it if it is a directory. */
function pipeFiles(target: string): string[] | undefined {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) return [target];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      // `.pipe` directories are stores; dependencies are not ours to format.
      if (entry.isDirectory()) {
        if (entry.name !== ".pipe" && entry.name !== "node_modules" && entry.name !== ".git") walk(full);
      } else if (entry.isFile() && entry.name.endsWith(".pipe")) found.push(full);
    }
  };
  walk(target);
  return found;
}
