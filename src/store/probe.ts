// Whether the store's location can hold a store, asked before anything runs (`pipe run`,
// `pipe emit slurm`, `pipe submit`). The config's schema cannot tell a file, a device, a
// virtual file system or a directory nobody may write from a good store: the file system is
// asked, by making the store's `.tmp` and a temporary file in it, as a task will. A store
// under `/proc` used to make `pipe run` spin; a read-only one failed every task in turn.

import fs from "node:fs";
import path from "node:path";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { makeDirs } from "../host.js";
import { probeFile, tmpDir } from "./layout.js";

/** File systems of the kernel's own (statfs magic numbers): nothing can be stored there. */
const VIRTUAL: Readonly<Record<number, string>> = {
  0x9fa0: "proc",
  0x62656572: "sysfs",
  0x27e0eb: "cgroup",
  0x63677270: "cgroup2",
  0x64626720: "debugfs",
  0x74726163: "tracefs",
  0x73636673: "securityfs",
  0xcafe4a11: "bpf",
};

/** What is wrong with `storeDir` as a store, as a diagnostic at `span` (the config's "store"), or undefined when it works. */
export function probeStore(storeDir: string, span: Span | undefined, hint: string): Diagnostic | undefined {
  const problem = storeProblem(storeDir);
  return problem === undefined ? undefined : at(Diag.badStore(storeDir, problem), span, { hint });
}

function storeProblem(storeDir: string): string | undefined {
  // The nearest part of the path that exists says what the store would be made in.
  let existing = storeDir;
  let stat = statOf(existing);
  while (!stat && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
    stat = statOf(existing);
  }
  if (stat && !stat.isDirectory()) {
    const what = stat.isFile() ? "a file" : stat.isCharacterDevice() || stat.isBlockDevice() ? "a device" : "not a directory";
    return existing === storeDir ? `is ${what}` : `is under ${existing}, which is ${what}`;
  }
  const fsType = virtualFs(existing);
  if (fsType) return `is on the kernel's ${fsType} file system, which cannot hold files`;
  const tmp = tmpDir(storeDir);
  // Not Node's recursive mkdir: see makeDirs.
  try {
    makeDirs(tmp);
  } catch (error) {
    return `cannot be created or written: ${reason(error)}`;
  }
  const entry = probeFile(storeDir);
  // A file with something in it, as meta.json will be: an empty one needs no space.
  try {
    fs.writeFileSync(entry, "probe\n");
  } catch (error) {
    fs.rmSync(entry, { force: true });
    return `is not writable: ${reason(error)}`;
  }
  fs.rmSync(entry, { force: true });
  return undefined;
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function virtualFs(dir: string): string | undefined {
  try {
    return VIRTUAL[fs.statfsSync(dir).type];
  } catch {
    return undefined;
  }
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted (an immutable directory?)",
  EROFS: "a read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EEXIST: "a file is in the way",
  ENOTDIR: "a part of the path is not a directory",
};

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const where = e.path ? ` (${e.path})` : "";
  return `${(e.code && REASONS[e.code]) ?? e.message}${where}`;
}
