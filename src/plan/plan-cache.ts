// The plan cache: a compiled plan kept with everything its compilation read, so that a
// command given the same program, parameters and config reuses the plan instead of
// parsing, checking and compiling again.
//
// Correct by construction rather than by a list of things to remember: compilation reads
// through a `ReadLog` (every source, import, config and parameter file the front end opens,
// and every path it only probes, found or missing, by its stat; every directory `glob`
// lists, by its entries), and every file or
// directory that enters a key is hashed again through the stat cache on reuse and must give
// the hash the plan was made with. What cannot be fingerprinted so is named in
// `CachedPlan.reads` by the code that reads it (`ReadLog.note`), or is not cached. The
// invocation (entry file, pipeline, `-p` pairs, the parameter and config files named,
// the working directory) names the cache file, and is in its head with pipe's own build, so
// that a new pipe compiles again and writes over what an old one kept rather than beside it.
//
// Beside a cache file, `<name>.plan` holds the hash under which a run stored that plan in
// `.pipe/plans` (backends/local/run-storage.ts), so that the next run links it without
// serialising the plan again. It names the cache file it belongs to by the file's `stamp`,
// made at random when it is written: a plan kept anew never takes the hash of the one before.
//
// A cache file is a line of head (what is checked on reuse, the config, and for a plan whose
// every task may be cached a `NoopSummary`), then the plan's JSON with its tasks a batch to a
// line. The plan is read and parsed only when it is asked for, so that a run whose every
// task is in the store reads the head alone, and then a batch at a time: the text of a
// 500,000-task plan (240 MB) is never one buffer and one string beside the plan it becomes.

import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/index.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ContentHasher } from "./content-hash.js";
import { KEY_CHARS, sameFiles } from "./keys.js";
import { compactChunks, parseLines, writeAll } from "../json-chunks.js";
import { pathOutputValues } from "../results/outputs.js";
import { MAX_PLAN_BYTES, nodeFileHost, readUserFile, type DirEntry, type FileHost, type FileRead, type PathKind } from "../host.js";
import type { Plan, PlanValue, Task } from "./plan.js";

/** Bumped when what a cache file holds changes meaning. */
const CACHE_FORMAT = 7;

/**
 * How many invocations keep their plan: a sweep run once per `-p` value would otherwise
 * leave a plan per value (40 MB each at 100,000 tasks). Those used longest ago go first.
 */
export const KEPT_PLANS = 16;

/** A temporary file older than this was left by a pipe that was killed while writing. */
const STALE_TMP_MS = 3_600_000;

/** How much older than the compilation a file must be for its stat data to vouch for it (as the stat cache's RACY_NS). */
const RACY_NS = 2_000_000_000n;

/** What a path looked like: its stat data, or that it was missing. Equal fingerprints mean an unchanged file. */
function look(file: string): { readonly print: string; readonly modifiedNs: bigint } {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!stat) return { print: "missing", modifiedNs: 0n };
  // ctime too: an edit that keeps the size and puts the mtime back still moves the ctime.
  return { print: `${stat.mode}:${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`, modifiedNs: stat.mtimeNs };
}

export const fingerprint = (file: string): string => look(file).print;

/** A FileHost that remembers the fingerprint of every path asked about, before it is read. */
export class ReadLog implements FileHost {
  readonly reads = new Map<string, string>();
  /**
   * Whether a file read was changed within the last moments: a second write in the same
   * timestamp tick, of the same size, would leave the same stat data (git's "racily clean"
   * files), so such a compilation is not kept. As in the stat cache, the mtime is aged and
   * the ctime only compared: an mtime put back leaves a new ctime.
   */
  racy = false;
  private readonly since = BigInt(Date.now()) * 1_000_000n - RACY_NS;
  constructor(private readonly inner: FileHost) {}

  /** Records `file` as read by compilation. Taken before the read: a change racing it shows as a mismatch next time. */
  note(file: string): void {
    if (this.reads.has(file)) return;
    const seen = look(file);
    if (seen.modifiedNs > this.since) this.racy = true;
    this.reads.set(file, seen.print);
  }

  readFile(file: string, maxBytes: number): FileRead {
    this.note(file);
    return this.inner.readFile(file, maxBytes);
  }

  kind(file: string): PathKind | undefined {
    this.note(file);
    return this.inner.kind(file);
  }

  /** A directory listed (by `glob`) counts by its entries, names and kinds: adding a file changes it. */
  readDir(dir: string): readonly DirEntry[] | undefined {
    const entries = this.inner.readDir?.(dir);
    const key = LISTED + dir;
    if (!this.reads.has(key)) this.reads.set(key, listingPrint(entries));
    return entries;
  }
}

/** A read key for a directory's listing rather than its stat. */
const LISTED = "listing:";

function listingPrint(entries: readonly DirEntry[] | undefined): string {
  return entries ? createHash("sha256").update(JSON.stringify(entries.map((e) => [e.name, e.kind ?? null, e.link]))).digest("hex") : "unreadable";
}

/** Whether what `read` names (a path's stat, or a directory's listing) is still as `print` says. */
function unchangedRead(read: string, print: string): boolean {
  if (read.startsWith(LISTED)) return listingPrint(nodeFileHost.readDir!(read.slice(LISTED.length))) === print;
  return fingerprint(read) === print;
}

/** What a command needs of a compilation: the plan, the config it was made with, its warnings. */
export interface CachedPlan {
  readonly plan: Plan;
  readonly config: Config;
  /** Warnings of the front end, printed again on reuse (errors leave no plan to cache). */
  readonly warnings: readonly Diagnostic[];
  /** The entry's parameters that differ from their defaults (results/run-context.ts). */
  readonly changedParams: Record<string, PlanValue>;
}

/**
 * What a run needs of a kept plan to find every task in the store and say so, without the
 * plan: made only for a plan with no dynamic loop pending and no `cache = false` task. Held
 * in few strings rather than a few per task, which a run would parse and collect every time.
 */
export interface NoopSummary {
  readonly file: string;
  readonly entry: string;
  /** How many tasks the plan has. */
  readonly tasks: number;
  /** Every task's key, in plan order, one after another (each `KEY_CHARS` long): `summaryKeys`. */
  readonly keys: string;
  /** The JSON of every task's id, in plan order: parsed only for a reporter that names each cached task. */
  readonly ids: string;
  /** The most any task asks of each resource (as `Task.resources`): every task fits a machine exactly when one asking this does. */
  readonly most: { readonly cpus: number; readonly mem: number; readonly gpus: number };
  /**
   * What `pipe run` prints of each of the entry's outputs (results/outputs.ts's
   * `pathOutputValues`); absent when one of them is a value read back from the store.
   */
  readonly printed?: Readonly<Record<string, string>>;
}

/** A summary's keys, one by one. */
export function* summaryKeys(summary: NoopSummary): Generator<string> {
  for (let at = 0; at < summary.keys.length; at += KEY_CHARS) yield summary.keys.slice(at, at + KEY_CHARS);
}

interface CacheHead extends Omit<CachedPlan, "plan"> {
  readonly format: number;
  /** The invocation's JSON, which the file's name is a hash of. */
  readonly invocation: string;
  readonly build: string;
  /** Random, made when the file is written: what a noted plan hash belongs to. */
  readonly stamp: string;
  readonly reads: readonly (readonly [string, string])[];
  /** Every file a key covers (absolute) with the hash it had. */
  readonly hashed: readonly (readonly [string, string])[];
  /** The bytes of the plan's line: a file cut short is not reused. */
  readonly planBytes: number;
  readonly noop?: NoopSummary;
}

/** A kept plan found again, and the hash a run stored it under (none yet: `planHash` absent). */
export interface ReusedPlan extends CachedPlan {
  /** Parsed when first asked for. */
  readonly plan: Plan;
  readonly noop?: NoopSummary;
  readonly planHash?: string;
  /** Notes the hash a run stored this plan under, for the runs after it. */
  notePlanHash(hash: string): void;
}

/** What names one compilation apart from the files it read. */
export interface Invocation {
  readonly entryFile: string;
  readonly entry: string;
  readonly params: readonly string[];
  readonly paramsFile?: string;
  readonly configFile?: string;
  readonly cwd: string;
}

export const planCacheDir = (projectDir: string): string => path.join(projectDir, ".pipe", "plan-cache");

function cacheFile(invocation: Invocation): string {
  return path.join(planCacheDir(path.dirname(invocation.entryFile)), `${nameOf(JSON.stringify(invocation))}.json`);
}

/**
 * A file name for a text: two 53-bit string hashes of it (cyrb53, with two seeds). Only a
 * name, not a checksum: the head holds the invocation it was made for, and a file made for
 * another is not reused. So node's crypto, which costs a command some 3 ms to load, is not
 * needed to find a kept plan.
 */
function nameOf(text: string): string {
  const half = (seed: number): string => {
    let h1 = 0xdeadbeef ^ seed;
    let h2 = 0x41c6ce57 ^ seed;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(HALF_DIGITS, "0");
  };
  return half(1) + half(2);
}

/** The hex digits of each half of `nameOf`'s name: 53 bits. */
const HALF_DIGITS = 14;

/** A cache file's name, as `cacheFile` makes it. */
const CACHE_NAME = new RegExp(`^[0-9a-f]{${2 * HALF_DIGITS}}\\.json$`);

declare global {
  interface ImportMeta {
    /** Set (by bin/bundle-cli.mjs) in the bundled command line, dist/bundle/. */
    readonly pipeBundle?: boolean;
  }
}

let buildText: string | undefined;
/**
 * pipe's own build: the stat data of its compiled modules, so that a new pipe never reuses an
 * old one's plan. Listed one directory at a time, and stat'ed without bigints (a module
 * rewritten moves its ctime; its inode, size or mtime too, mostly): asked on every reuse.
 * They are dist/'s, or when the bundle runs, the bundle's: it holds all of the code that
 * compiles (bundling writes every file of it anew), and a `tsc` since leaves it unused. Kept
 * as the text itself (a line per module), compared whole.
 */
function build(): string {
  if (buildText !== undefined) return buildText;
  const dist = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const root = import.meta.pipeBundle ? path.join(dist, "bundle") : dist;
  let text = "";
  const walk = (dir: string, rel: string): void => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const file = `${dir}${path.sep}${e.name}`;
      if (e.isDirectory()) walk(file, `${rel}${e.name}/`);
      else if (/\.[jt]s$/.test(e.name)) {
        const s = fs.statSync(file, { throwIfNoEntry: false });
        text += `${rel}${e.name} ${s ? `${s.mode}:${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : "missing"}\n`;
      }
    }
  };
  walk(root, "");
  return (buildText = text);
}

/**
 * The plan compiled before for this invocation, if nothing it read has changed since. The
 * key files are hashed again through `hasher` (its stat cache makes that one stat per
 * unchanged file), which also leaves in `hasher.seen` what a run checks before each task.
 */
export async function reusePlan(invocation: Invocation, hasher: ContentHasher): Promise<ReusedPlan | undefined> {
  const file = cacheFile(invocation);
  const opened = openCacheFile(file);
  if (!opened) return undefined;
  let cached: CacheHead;
  try {
    // Not a schema walk over the plan: only pipe writes this file, atomically, and the
    // envelope is checked; a file that fails to parse, or to match, is just not reused.
    cached = JSON.parse(opened.head) as CacheHead;
  } catch {
    opened.close();
    return undefined;
  }
  const planBytes = opened.planBytes;
  const reusable = async (): Promise<boolean> => {
    if (cached?.format !== CACHE_FORMAT || cached.invocation !== JSON.stringify(invocation) || cached.build !== build() || !Array.isArray(cached.reads) || !Array.isArray(cached.hashed)) return false;
    if (cached.planBytes !== planBytes) return false;
    for (const [read, print] of cached.reads) if (!unchangedRead(read, print)) return false;
    for (const [file, hash] of cached.hashed) {
      const now = await hasher.hash(file).catch(() => undefined);
      if (now !== hash) return false;
    }
    return true;
  };
  if (!(await reusable())) {
    opened.close();
    return undefined;
  }
  markUsed(file);
  const stamp = typeof cached.stamp === "string" ? cached.stamp : "";
  const planHash = notedHash(file, stamp);
  // Only the reader of the plan's line is held, and only until it has read: no closure keeps
  // the head's text and the file's first pieces (MiBs with the summary of 100,000 tasks).
  let readPlan: (() => Plan) | undefined = opened.plan;
  const json = opened.json;
  let plan: Plan | undefined;
  return {
    get plan() {
      if (plan === undefined) {
        const read = readPlan!;
        readPlan = undefined;
        plan = read();
        jsonOf.set(plan, json);
      }
      return plan;
    },
    ...(cached.noop ? { noop: cached.noop } : {}),
    config: cached.config,
    warnings: cached.warnings,
    changedParams: cached.changedParams,
    ...(planHash ? { planHash } : {}),
    notePlanHash: (hash) => {
      if (hash !== planHash) noteHash(file, stamp, hash);
    },
  };
}

/**
 * A cache file open for reading: its head (the first line) read, its plan's line read when
 * asked, from the same file (a cache file written since is another, renamed over it). A
 * command that never asks leaves it open until it exits.
 */
interface OpenedCacheFile {
  readonly head: string;
  readonly planBytes: number;
  /** The plan, parsed a batch of tasks at a time. */
  plan(): Plan;
  /** The plan's JSON, read again (`planJsonOf`); closes the file. */
  json(): Generator<Buffer>;
  close(): void;
}

/**
 * The `bytes` bytes of `fd` from `from`, a MiB at a time, each piece read into the same buffer:
 * valid until the next is asked for.
 */
function* piecesOf(fd: number, from: number, bytes: number): Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let read = 0; read < bytes; ) {
    const got = fs.readSync(fd, buffer, 0, Math.min(buffer.length, bytes - read), from + read);
    if (got === 0) throw new Error("the plan cache file was cut short while read");
    read += got;
    yield buffer.subarray(0, got);
  }
}

/**
 * The lines of the `bytes` bytes of `fd` from `from`, of which `start` is read already, read
 * by `piecesOf`: no text is longer than its line (a batch of tasks).
 */
function* linesOf(fd: number, from: number, bytes: number, start: Buffer): Generator<string> {
  let carried: Buffer[] = [];
  const pieces = (function* () {
    yield start;
    yield* piecesOf(fd, from + start.length, bytes - start.length);
  })();
  for (const piece of pieces) {
    let at = 0;
    for (let end = piece.indexOf(10); end >= 0; end = piece.indexOf(10, at)) {
      carried.push(piece.subarray(at, end));
      yield Buffer.concat(carried).toString("utf8");
      carried = [];
      at = end + 1;
    }
    // A copy: the buffer is read into again.
    if (at < piece.length) carried.push(Buffer.from(piece.subarray(at)));
  }
  if (carried.length) yield Buffer.concat(carried).toString("utf8");
}

/**
 * Reads a cache file's head only, a piece at a time up to its line break, so that a run of a
 * kept plan whose every task is in the store never reads the plan (tens of megabytes for a
 * large sweep). Undefined when it is missing, not a regular file, larger than any plan may
 * be, or has no line break.
 */
function openCacheFile(file: string): OpenedCacheFile | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_PLAN_BYTES) throw new Error("not a cache file");
    const pieces: Buffer[] = [];
    let read = 0;
    let newline = -1;
    for (let size = 1 << 16; newline < 0 && read < stat.size; size = Math.min(size * 2, 1 << 24)) {
      const piece = Buffer.allocUnsafe(Math.min(size, stat.size - read));
      const got = fs.readSync(fd, piece, 0, piece.length, read);
      if (got === 0) break;
      const at = piece.subarray(0, got).indexOf(10);
      if (at >= 0) newline = read + at;
      pieces.push(piece.subarray(0, got));
      read += got;
    }
    if (newline < 0) throw new Error("no head");
    const start = Buffer.concat(pieces, read);
    const open = fd;
    fd = undefined;
    let closed = false;
    const close = (): void => {
      if (!closed) fs.closeSync(open);
      closed = true;
    };
    return {
      head: start.toString("utf8", 0, newline),
      planBytes: stat.size - newline - 1,
      plan: () => {
        try {
          return parseLines(linesOf(open, newline + 1, stat.size - newline - 1, start.subarray(newline + 1)), "tasks", sharingTasks()) as Plan;
        } catch (error) {
          close();
          throw error;
        }
      },
      json: () => planJsonOf(open, newline + 1, stat.size - newline - 1, close),
      close,
    };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Each task read as it is, with what it repeats of the last task of its action made one with
 * that task's: JSON.parse gives every task its own copy of its action's name, group, files
 * and resources, and an empty list of dependencies of its own, which the compiled plan shares
 * across a sweep (100,000 tasks with a `uses` file read back held some 30 MB more than
 * compiled). A sweep's tasks are listed together, or take turns (the steps of a pipeline
 * called per element): the task before is compared first, then the last of its action.
 */
function sharingTasks(): (member: unknown) => unknown {
  // Frozen, as the compiled plan's: nothing changes a plan's lists.
  const noDeps = Object.freeze([]) as unknown as string[];
  let before: Task | undefined;
  const lastOf = new Map<string, Task>();
  return (member) => {
    const t = member as Task;
    if (t.deps.length === 0) t.deps = noDeps;
    // The map holds each action's last task before the run of tasks going on now.
    if (before !== undefined && t.action !== before.action) lastOf.set(before.action, before);
    const last = before !== undefined && t.action === before.action ? before : lastOf.get(t.action);
    if (last) {
      t.action = last.action;
      if (t.group === last.group) t.group = last.group;
      if (sameFiles(t.files, last.files)) t.files = last.files;
      if (sameResources(t.resources, last.resources)) t.resources = last.resources;
    }
    before = t;
    return t;
  };
}

function sameResources(a: Task["resources"], b: Task["resources"]): boolean {
  // Most tasks have none; one with some is compared as its JSON (the same for the same fields in one order).
  for (const _ in a) return JSON.stringify(a) === JSON.stringify(b);
  for (const _ in b) return false;
  return true;
}

const notesOf = (file: string): string => file.replace(/\.json$/, ".plan");

function notedHash(file: string, stamp: string): string | undefined {
  if (!stamp) return undefined;
  const read = readUserFile(notesOf(file), 1024);
  if (!read.ok) return undefined;
  const [forStamp, hash] = read.text.trim().split(" ");
  return forStamp === stamp && hash && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

/** A note that cannot be written is no error: the next run hashes the plan again. */
function noteHash(file: string, stamp: string, hash: string): void {
  if (!stamp) return;
  const notes = notesOf(file);
  try {
    const tmp = `${notes}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${stamp} ${hash}\n`);
    fs.renameSync(tmp, notes);
  } catch {
    // As a cache file that cannot be written.
  }
}

/** The JSON of plans a cache file holds, each readable once: a bundle copies it (`keptPlanJson`). */
const jsonOf = new WeakMap<Plan, () => Generator<Buffer>>();

/**
 * `JSON.stringify(plan)` as the bytes the plan cache holds it in, when it does (a plan kept or
 * reused by this process); once. Each piece is valid until the next is asked for.
 */
export function keptPlanJson(plan: Plan): Iterable<Buffer> | undefined {
  const json = jsonOf.get(plan);
  jsonOf.delete(plan);
  return json?.();
}

/**
 * A cache file's plan as JSON.stringify writes it: the `bytes` of its line from `from`, a MiB
 * at a time, less the line breaks between its batches (`compactChunks`' `lines`), which are
 * all it has: JSON's text escapes those of its strings. Calls `done` when read or abandoned.
 */
function* planJsonOf(fd: number, from: number, bytes: number, done: () => void): Generator<Buffer> {
  try {
    for (const piece of piecesOf(fd, from, bytes)) {
      let at = 0;
      for (let nl = piece.indexOf(10); nl >= 0; nl = piece.indexOf(10, at)) {
        if (nl > at) yield piece.subarray(at, nl);
        at = nl + 1;
      }
      if (at < piece.length) yield piece.subarray(at);
    }
  } finally {
    done();
  }
}

/** What the head holds for the plan's length while the plan is written: room for any length (MAX_PLAN_BYTES has 9 digits). */
const PLAN_BYTES_ROOM = 999_999_999_999_999;
/** Where that number starts in the head: its second field, after `format`'s number. */
const PLAN_BYTES_FIELD = '"planBytes":';

/**
 * Keeps `compiled` for the next same invocation; a cache that cannot be written is no error.
 * Returns the function that notes the hash a run stores the plan under (as `ReusedPlan`'s).
 */
export function keepPlan(invocation: Invocation, log: ReadLog, hasher: ContentHasher, compiled: CachedPlan): ((hash: string) => void) | undefined {
  if (log.racy) return undefined;
  const stamp = randomBytes(16).toString("hex");
  const { plan, ...rest } = compiled;
  const noop = noopSummary(plan, compiled.config.storeDir);
  const file = cacheFile(invocation);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The head comes first (JSON.stringify writes no line break: it ends at the first), and
    // holds the plan's length, known once the plan is written after it, in pieces: the head
    // is written with room for the number (PLAN_BYTES_ROOM), which is then written in place.
    const head = JSON.stringify({ format: CACHE_FORMAT, planBytes: PLAN_BYTES_ROOM, invocation: JSON.stringify(invocation), build: build(), stamp, reads: [...log.reads], hashed: [...hasher.hashes], ...rest, ...(noop ? { noop } : {}) } satisfies CacheHead);
    const from = Buffer.byteLength(head) + 1;
    const fd = fs.openSync(tmp, "w+");
    let planBytes: number;
    try {
      fs.writeSync(fd, `${head}\n`);
      planBytes = writeAll(fd, compactChunks(plan, "tasks", undefined, true));
      // The number and spaces after it, where the room's digits were: JSON all the same.
      fs.writeSync(fd, String(planBytes).padEnd(String(PLAN_BYTES_ROOM).length), head.indexOf(PLAN_BYTES_FIELD) + PLAN_BYTES_FIELD.length);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    // Kept open past the rename: a cache file written over it since is another file.
    jsonOf.set(plan, () => planJsonOf(fd, from, planBytes, () => fs.closeSync(fd)));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only project still plans; it only compiles every time.
    fs.rmSync(tmp, { force: true });
    return undefined;
  }
  try {
    prune(path.dirname(file));
  } catch {
    // As a cache that cannot be written: the next plan kept prunes.
  }
  return (hash) => noteHash(file, stamp, hash);
}

/** A plan reused is as recent as one kept: its mtime orders the pruning. */
function markUsed(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // A read-only cache is only never pruned by use.
  }
}

/**
 * Removes all but the `KEPT_PLANS` cache files used last, with their notes, the temporary
 * files of writers long gone, and cache files named as `nameOf` names none (an older pipe's,
 * which would otherwise stay beside the plan kept anew for the same invocation). Another pipe
 * may prune or read at the same time: a file already gone is no error, and one open for
 * reading stays readable.
 */
function prune(dir: string): void {
  const names = fs.readdirSync(dir);
  const present = new Set(names);
  const kept: { name: string; used: number }[] = [];
  const now = Date.now();
  for (const name of names) {
    const file = path.join(dir, name);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    if (name.endsWith(".tmp") || name.endsWith(".tmp.plan")) {
      if (now - stat.mtimeMs > STALE_TMP_MS) fs.rmSync(file, { force: true });
    } else if (name.endsWith(".json")) {
      if (CACHE_NAME.test(name)) kept.push({ name, used: stat.mtimeMs });
      else for (const gone of [file, notesOf(file)]) fs.rmSync(gone, { force: true });
    }
    else if (name.endsWith(".plan") && !present.has(name.replace(/\.plan$/, ".json"))) fs.rmSync(file, { force: true });
  }
  kept.sort((a, b) => b.used - a.used || (a.name < b.name ? -1 : 1));
  for (const { name } of kept.slice(KEPT_PLANS)) {
    fs.rmSync(path.join(dir, name), { force: true });
    fs.rmSync(notesOf(path.join(dir, name)), { force: true });
  }
}

function noopSummary(plan: Plan, storeDir: string): NoopSummary | undefined {
  if (plan.pending?.length || plan.tasks.some((t) => !t.cache || t.key.length !== KEY_CHARS)) return undefined;
  const most = { cpus: 1, mem: 0, gpus: 0 };
  for (const t of plan.tasks) {
    most.cpus = Math.max(most.cpus, t.resources.cpus ?? 1);
    most.mem = Math.max(most.mem, t.resources.mem ?? 0);
    most.gpus = Math.max(most.gpus, t.resources.gpus ?? 0);
  }
  const keys = plan.tasks.map((t) => t.key).join("");
  const ids = JSON.stringify(plan.tasks.map((t) => t.id));
  const printed = pathOutputValues(plan, storeDir);
  return { file: plan.file, entry: plan.entry, tasks: plan.tasks.length, keys, ids, most, ...(printed ? { printed } : {}) };
}
