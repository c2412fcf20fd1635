// Content hashes of input files and directories. Files are streamed through SHA-256; a
// directory's hash covers its sorted entries' names, kinds and content hashes (and the
// executable bit), never mtimes or its own path. A persistent stat cache (device, inode,
// size, mtime, ctime) lets an unchanged file be skipped without reading a byte on the next
// plan: `.pipe/hash-cache.json`, `{"version":4,"entries":[path, record, path, record, ...]}`,
// each record the text `DEV INO SIZE MTIME_MS CTIME_MS SHA256` (cachePrint). The ctime is there because
// an mtime can be put back (`touch -r`, `cp -p`, `rsync -t`) and a ctime cannot: any write or
// restore of the mtime moves it, as git relies on.
// What is neither a regular file nor a directory (a FIFO, a device, a socket) is never
// opened: given as an input it is refused (NotRegularFileError); inside a directory it
// counts by its name and kind alone.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describeKind, kindOfStat, readUserFile, type PathKind } from "../host.js";
import { canonicalJson } from "./canonical.js";
import { ensureProjectDir } from "../store/layout.js";

/**
 * 2: entries carry the ctime. 3: an entry is its path and one string, not an object of six
 * fields (parsing 10,000 of those cost a sixth of a re-plan's stats). A cache file of another
 * version is ignored, not trusted. 4: the times in milliseconds, as a plain stat gives them.
 */
export const HASH_CACHE_VERSION = 4;

/**
 * What a stat cache record begins with: the device, inode and size, and the mtime and ctime
 * in milliseconds, as numbers print. The same text from either kind of stat: a plan checks
 * each of thousands of inputs with a plain stat, whose object is some twenty BigInts and
 * heap numbers lighter (about 2 µs a file less, with the collector's time); the times still
 * tell apart changes a quarter of a microsecond apart, and a file changed within two seconds
 * of its hashing is never recorded (RACY_NS).
 */
export function cachePrint(stat: fs.Stats | fs.BigIntStats): string {
  if (typeof stat.dev === "number") return `${stat.dev} ${stat.ino} ${stat.size} ${stat.mtimeMs} ${stat.ctimeMs}`;
  const s = stat as fs.BigIntStats;
  return `${Number(s.dev)} ${Number(s.ino)} ${Number(s.size)} ${timeMs(s.mtimeNs)} ${timeMs(s.ctimeNs)}`;
}

/** Nanoseconds as node's plain stat gives them in milliseconds: seconds times 1,000 plus nanoseconds over 1,000,000, in doubles. */
const timeMs = (ns: bigint): number => {
  // Whole seconds rounded down, and nanoseconds 0 to 999,999,999 of the second, as stat gives them (before 1970 too).
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += 1_000_000_000n;
  }
  return Number(sec) * 1000 + Number(nsec) / 1e6;
};

/**
 * The hash a cache record holds, if it still describes the file `stat` found. The cache file
 * is not walked with a schema when it is read (at 10,000 inputs that walk cost more than the
 * stats): each record is checked here, when it is used, and one of the wrong shape is simply
 * not trusted.
 */
function unchanged(record: unknown, stat: fs.Stats | fs.BigIntStats): string | undefined {
  if (typeof record !== "string") return undefined;
  const print = cachePrint(stat);
  if (record.length !== print.length + 65 || record.charCodeAt(print.length) !== 32 || !record.startsWith(print)) return undefined;
  const hash = record.slice(print.length + 1);
  return isHash(hash) ? hash : undefined;
}

/** 64 lowercase hexadecimal digits: a loop, where a regular expression cost a microsecond a file. */
function isHash(h: unknown): boolean {
  if (typeof h !== "string" || h.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = h.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** How much older than its read a file's mtime must be for the stat cache to trust it. */
const RACY_NS = 2_000_000_000n;

/** A stat cache of a million files is some 150 MB. */
const MAX_CACHE_BYTES = 512 * 1024 * 1024;

/** Files up to this size are hashed by content at every check before a task (verify-inputs.ts). */
export const SMALL_FILE_BYTES = 1 << 20;

/** An input that is not a regular file or a directory; it was not opened. */
export class NotRegularFileError extends Error {
  constructor(
    readonly file: string,
    readonly kind: PathKind,
  ) {
    super(`${file} is ${describeKind(kind)}, not a regular file or a directory`);
  }
}

export class ContentHasher {
  /** By path, the record of the file's stat and hash. */
  private entries = new Map<unknown, unknown>();
  private dirty = false;
  /** Bytes actually read, so benchmarks and tests can see that nothing was re-read. */
  bytesRead = 0;
  /**
   * The stat of each directory and each file larger than SMALL_FILE_BYTES given to `hash`, as
   * found then: the local backend trusts a large file still at it. A small file is read at
   * every check anyway, and the stats of 10,000 small inputs, held, were 10 MB for the GC.
   */
  readonly seen = new Map<string, fs.BigIntStats>();
  /** The hash found for each path given to `hash`. */
  readonly hashes = new Map<string, string>();

  /** @param cacheFile where the stat cache persists; undefined keeps it in memory only. */
  constructor(private readonly cacheFile?: string) {
    if (!cacheFile) return;
    const read = readUserFile(cacheFile, MAX_CACHE_BYTES);
    if (!read.ok) return; // no cache yet, or not one to trust: start empty
    try {
      const parsed = JSON.parse(read.text) as { version?: unknown; entries?: unknown };
      const entries = parsed?.version === HASH_CACHE_VERSION ? parsed.entries : undefined;
      // Whatever is not a string pair is kept, never trusted: no path is asked for by a key
      // that is not a string, and unchanged() trusts only a record that is one.
      if (Array.isArray(entries)) for (let i = 0; i + 1 < entries.length; i += 2) this.entries.set(entries[i], entries[i + 1]);
    } catch {
      // A broken cache: start empty.
    }
  }

  /**
   * The content hash of a file or directory; throws if it does not exist, NotRegularFileError
   * if it is neither. `stat`: the path's stat just taken by the caller, not taken again.
   */
  async hash(p: string, stat?: fs.BigIntStats): Promise<string> {
    if (stat === undefined) {
      const known = this.knownFileHash(p);
      if (known !== undefined) return known;
      stat = await fs.promises.stat(p, { bigint: true });
    }
    this.saw(p, stat);
    let hash: string;
    if (stat.isDirectory()) hash = await this.hashDir(p, new Set([`${stat.dev}:${stat.ino}`]));
    else if (!stat.isFile()) throw new NotRegularFileError(p, kindOfStat(stat) ?? "socket");
    else hash = await this.hashFile(p, stat);
    this.hashes.set(p, hash);
    return hash;
  }

  /**
   * The hash of a regular file the stat cache knows unchanged, from one synchronous stat: for
   * thousands of small inputs that is far cheaper than a trip through libuv's thread pool.
   */
  knownFileHash(p: string): string | undefined {
    const cached = this.entries.get(p);
    if (cached === undefined) return undefined;
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    const hash = stat?.isFile() ? unchanged(cached, stat) : undefined;
    if (hash === undefined) return undefined;
    if (stat!.size > SMALL_FILE_BYTES) {
      // A large file is trusted later by its full stat: one that shows the file just found.
      const full = fs.statSync(p, { bigint: true, throwIfNoEntry: false });
      if (!full || cachePrint(full) !== cachePrint(stat!)) return undefined;
      this.saw(p, full);
    }
    this.hashes.set(p, hash);
    return hash;
  }

  private saw(p: string, stat: fs.BigIntStats): void {
    if (stat.size > SMALL_FILE_BYTES || stat.isDirectory()) this.seen.set(p, stat);
  }

  private async hashFile(file: string, stat: fs.BigIntStats): Promise<string> {
    const known = unchanged(this.entries.get(file), stat);
    if (known !== undefined) return known;
    const started = BigInt(Date.now()) * 1_000_000n;
    const digest = createHash("sha256");
    // Non-blocking, and checked again once open: a FIFO put in the file's place since the
    // stat must not block the plan.
    const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) throw new NotRegularFileError(file, kindOfStat(opened) ?? "socket");
      for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) {
        digest.update(chunk as Buffer);
        this.bytesRead += (chunk as Buffer).length;
      }
    } finally {
      await handle.close();
    }
    const hash = digest.digest("hex");
    // A file written just before it was read may be written again within the same timestamp
    // tick, same size, and look unchanged (git's "racily clean" entries): remember only files
    // whose mtime is safely older than the read. (As in git, the ctime is compared, not
    // aged: an mtime put back on a file just written still leaves a new ctime to compare.)
    if (stat.mtimeNs < started - RACY_NS) {
      this.entries.set(file, `${cachePrint(stat)} ${hash}`);
      this.dirty = true;
    } else if (this.entries.delete(file)) this.dirty = true;
    return hash;
  }

  /**
   * Symbolic links are followed; one that dangles, or that leads back into a directory being
   * hashed (`latest -> .`), counts by its target text instead. `open` holds the directories
   * on the current path, by device and inode.
   */
  private async hashDir(dir: string, open: Set<string>): Promise<string> {
    const names = (await fs.promises.readdir(dir)).sort();
    const entries = [];
    for (const name of names) {
      const full = path.join(dir, name);
      const stat = await fs.promises.stat(full, { bigint: true }).catch(() => undefined);
      const id = stat && `${stat.dev}:${stat.ino}`;
      if (!stat || (stat.isDirectory() && open.has(id!))) {
        entries.push([name, "link", await fs.promises.readlink(full).catch(() => "")]);
      } else if (stat.isDirectory()) {
        open.add(id!);
        entries.push([name, "dir", await this.hashDir(full, open)]);
        open.delete(id!);
      } else if (stat.isFile()) entries.push([name, (stat.mode & 0o111n) !== 0n ? "exe" : "file", await this.hashFile(full, stat)]);
      // A FIFO, device or socket in the directory (a daemon's socket, a pipe between tools)
      // is never opened: its name and kind count, as a dangling link counts by its target.
      else entries.push([name, kindOfStat(stat) ?? "special", ""]);
    }
    return createHash("sha256").update(canonicalJson(entries)).digest("hex");
  }

  /** Writes the stat cache back, atomically, if anything was learnt. */
  save(): void {
    if (!this.cacheFile || !this.dirty) return;
    if (path.basename(path.dirname(this.cacheFile)) === ".pipe") ensureProjectDir(path.dirname(this.cacheFile));
    else fs.mkdirSync(path.dirname(this.cacheFile), { recursive: true });
    const tmp = `${this.cacheFile}.${process.pid}.tmp`;
    const entries: unknown[] = [];
    for (const [file, record] of this.entries) entries.push(file, record);
    fs.writeFileSync(tmp, JSON.stringify({ version: HASH_CACHE_VERSION, entries }));
    fs.renameSync(tmp, this.cacheFile);
    this.dirty = false;
  }
}
