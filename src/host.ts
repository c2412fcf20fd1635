// The outside world as the compiler sees it: files and where the standard library lives.
// Phases take a host instead of importing `node:fs`, so tests can hand them anything.
// Every read of a file a user names (sources, configs, parameter and plan files, bundles,
// TypeScript modules, the hash cache) goes through `readUserFile`, which refuses what is
// not a regular file (a FIFO would block forever, `/dev/zero` never ends) and what is
// larger than its caller's limit, from the file's metadata, before reading a byte.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** What a path names; everything but "file" and "dir" is never opened. */
export type PathKind = "file" | "dir" | "fifo" | "character device" | "block device" | "socket";

/** Why a file was not read. */
export type ReadProblem =
  | { readonly problem: "missing" }
  | { readonly problem: "not a file"; readonly kind: Exclude<PathKind, "file"> }
  | { readonly problem: "too large"; readonly size: number; readonly limit: number }
  | { readonly problem: "unreadable"; readonly reason: string };

export type FileRead = ({ readonly ok: true; readonly text: string } | ({ readonly ok: false } & ReadProblem));
export type BytesRead = ({ readonly ok: true; readonly bytes: Buffer } | ({ readonly ok: false } & ReadProblem));

export interface FileHost {
  /** The file's text, or why it was not read (it is never opened unless it is a regular file of at most `maxBytes`). */
  readFile(file: string, maxBytes: number): FileRead;
  kind(file: string): PathKind | undefined;
  /** A directory's entries (for `glob`), a symbolic link by what it names; undefined when it cannot be read. */
  readDir?(dir: string): readonly DirEntry[] | undefined;
}

export interface DirEntry {
  readonly name: string;
  /** What the entry is, through a symbolic link; undefined for a dangling link. */
  readonly kind: PathKind | undefined;
  readonly link: boolean;
}

/** Limits of what `readUserFile` reads. A source file: the parser (src/syntax) refuses larger ones. */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** A 500,000-task plan is some 300 MB; a longer text than 512 MiB is not a string in Node. */
export const MAX_PLAN_BYTES = 512 * 1024 * 1024;

export function kindOfStat(stat: fs.Stats | fs.BigIntStats): PathKind | undefined {
  if (stat.isFile()) return "file";
  if (stat.isDirectory()) return "dir";
  if (stat.isFIFO()) return "fifo";
  if (stat.isCharacterDevice()) return "character device";
  if (stat.isBlockDevice()) return "block device";
  if (stat.isSocket()) return "socket";
  return undefined;
}

/** Why a key input must be a file or a directory: its content is hashed when planning. */
export const NOT_REGULAR_HINT = "its content is hashed when planning, so it must be a regular file or a directory";

/** "a FIFO (named pipe)", "a directory": for messages. */
export function describeKind(kind: PathKind): string {
  switch (kind) {
    case "file":
      return "a regular file";
    case "dir":
      return "a directory";
    case "fifo":
      return "a FIFO (named pipe)";
    default:
      return `a ${kind}`;
  }
}

/** One line saying why a read failed: `data/x is a FIFO (named pipe), not a regular file`. */
export function describeProblem(shown: string, p: ReadProblem): string {
  switch (p.problem) {
    case "missing":
      return `${shown} does not exist`;
    case "not a file":
      return `${shown} is ${describeKind(p.kind)}, not a regular file`;
    case "too large":
      return `${shown} is ${p.size} bytes, more than the limit of ${p.limit}`;
    case "unreadable":
      return `cannot read ${shown}: ${p.reason}`;
  }
}

/** The bytes of a regular file of at most `maxBytes`, or why not, checked before reading. */
export function readUserBytes(file: string, maxBytes: number): BytesRead {
  let fd: number | undefined;
  try {
    const refused = refusal(fs.statSync(file), maxBytes);
    if (refused) return refused;
    // O_NONBLOCK: should a FIFO be put in the file's place since the stat, opening it must
    // not wait for a writer; the fstat below then refuses it.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    const changed = refusal(stat, maxBytes);
    if (changed) return changed;
    const bytes = Buffer.allocUnsafe(stat.size);
    let n = 0;
    while (n < bytes.length) {
      const got = fs.readSync(fd, bytes, n, bytes.length - n, n);
      if (got === 0) break;
      n += got;
    }
    return { ok: true, bytes: n === bytes.length ? bytes : bytes.subarray(0, n) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, problem: "missing" };
    return { ok: false, problem: "unreadable", reason: code === "EACCES" ? "permission denied" : (error as Error).message };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function refusal(stat: fs.Stats, maxBytes: number): ({ ok: false } & ReadProblem) | undefined {
  const kind = kindOfStat(stat);
  if (kind !== "file") return { ok: false, problem: "not a file", kind: kind ?? "socket" };
  if (stat.size > maxBytes) return { ok: false, problem: "too large", size: stat.size, limit: maxBytes };
  return undefined;
}

/** The UTF-8 text of a regular file of at most `maxBytes`, or why not (see readUserBytes). */
export function readUserFile(file: string, maxBytes: number): FileRead {
  const read = readUserBytes(file, maxBytes);
  return read.ok ? { ok: true, text: read.bytes.toString("utf8") } : read;
}

export const nodeFileHost: FileHost = {
  readFile: readUserFile,
  kind(file) {
    try {
      return kindOfStat(fs.statSync(file));
    } catch {
      return undefined;
    }
  },
  readDir(dir) {
    try {
      return fs.readdirSync(dir, { withFileTypes: true }).map((d) => {
        const link = d.isSymbolicLink();
        if (!link) return { name: d.name, kind: kindOfStat(d as unknown as fs.Stats), link };
        return { name: d.name, kind: nodeFileHost.kind(path.join(dir, d.name)), link };
      });
    } catch {
      return undefined;
    }
  },
};

/** A host that reads `text` for `file` (standard input given a name), the disk otherwise. */
export function withText(host: FileHost, file: string, text: string): FileHost {
  return {
    readFile: (f, maxBytes) => {
      if (f !== file) return host.readFile(f, maxBytes);
      const size = Buffer.byteLength(text);
      return size > maxBytes ? { ok: false, problem: "too large", size, limit: maxBytes } : { ok: true, text };
    },
    kind: (f) => (f === file ? "file" : host.kind(f)),
  };
}

/** The package root (works from `src/` under the test runner and from `dist/` when built). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const stdlibDir = path.join(packageRoot, "stdlib");

/** POSIX-style path of `file` relative to `dir`, as written into plans and commands. */
export function relativePosix(dir: string, file: string): string {
  // The common case, a normal absolute path below a normal absolute directory, without the
  // two resolutions path.relative makes (a sweep over 10,000 files makes 20,000 such calls).
  // The file is checked whole: a directory that begins it up to a `/` is normal if it is.
  if (path.sep === "/" && file.length > dir.length + 1 && dir.charCodeAt(0) === 47 && file.charCodeAt(dir.length) === 47 && file.startsWith(dir) && isNormalAbsolute(file)) return file.slice(dir.length + 1);
  return path.relative(dir, file).split(path.sep).join("/") || ".";
}

/**
 * `path.resolve(dir, rel)` for a path as plans write them (relativePosix), cheaper in the
 * common case: a plain relative path below a normal absolute directory is joined, without
 * the resolution's walk over every segment and its call for the working directory.
 */
export function resolvePosix(dir: string, rel: string): string {
  if (path.sep === "/" && isPlainRelative(rel) && isNormalAbsolute(dir)) return dir.length === 1 ? `/${rel}` : `${dir}/${rel}`;
  return path.resolve(dir, rel);
}

/** A relative path with no empty, `.` or `..` segment and no trailing slash. */
const isPlainRelative = (p: string): boolean => p.length > 0 && p.charCodeAt(0) !== 47 && plainSegments(p, 0);

/** An absolute POSIX path as path.resolve leaves it: no empty, `.` or `..` segment, no trailing slash. */
const isNormalAbsolute = (p: string): boolean => p.charCodeAt(0) === 47 && (p.length === 1 || plainSegments(p, 1));

/** Whether the `/`-separated segments of `p` from `start` are none of empty, `.` and `..`: a loop, where a regular expression cost a microsecond a path. */
function plainSegments(p: string, start: number): boolean {
  for (let i = start; i <= p.length; i++) {
    if (i < p.length && p.charCodeAt(i) !== 47) continue;
    const n = i - start;
    if (n === 0 || (p.charCodeAt(start) === 46 && (n === 1 || (n === 2 && p.charCodeAt(start + 1) === 46)))) return false;
    start = i + 1;
  }
  return true;
}

/** Removes a file if there is one: one unlink, where `fs.rmSync(file, { force: true })` takes an lstat first. */
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir never returns for a path under
 * `/proc` (it retries the ENOENT there forever, deaf to signals), and reports ENOENT for a
 * read-only file system; one level at a time, each fails at once with its own error.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !fs.statSync(d).isDirectory()) throw error;
    }
  }
}
