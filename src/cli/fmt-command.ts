// `pipe fmt FILE...`: format `.pipe` files (a directory stands for the `.pipe` files under it,
// store directories named `.pipe` aside). With one file and no flag the result goes to
// stdout; `--write` rewrites files in place; `--check` lists the files that would change and
// exits 1 if there are any. A file with a syntax error is reported and left alone (exit 2).
// The formatter (and prettier with it) is loaded only when this command runs.

import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { Exit, type Io } from "./io.js";
import { printDiagnostics } from "./report.js";
import { MAX_SOURCE_BYTES, describeProblem, readUserFile } from "../host.js";
import { append } from "../arrays.js";

export interface FmtFlags {
  readonly check?: boolean;
  readonly write?: boolean;
}

export function registerFmtCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("fmt")
    .description("format .pipe files: print the result, --write it in place, or --check it")
    .argument("<files...>", ".pipe files, or directories to search for them")
    .option("--check", "list the files that are not formatted; exit 1 if there are any")
    .option("--write", "rewrite the files in place")
    .action(async (files: string[], opts: FmtFlags) => {
      setCode(await fmtCommand(files, opts, io));
    });
}

export async function fmtCommand(args: readonly string[], flags: FmtFlags, io: Io): Promise<number> {
  if (flags.check && flags.write) {
    io.err("pipe fmt: use either --check or --write\n");
    return Exit.invalid;
  }
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
