// Content hashes of input files and directories. Files are streamed through SHA-256; a
// directory's hash covers its sorted entries' names, kinds and content hashes (and the
// executable bit), never mtimes or its own path. A persistent stat cache (device, inode,
// size, mtime) lets an unchanged file be skipped without reading a byte on the next plan.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { canonicalJson } from "./canonical.js";

const Entry = z.object({ dev: z.number(), ino: z.number(), size: z.number(), mtimeNs: z.string(), hash: z.string() });
const CacheFile = z.object({ version: z.literal(1), entries: z.record(z.string(), Entry) });
type Entry = z.infer<typeof Entry>;

/** How much older than its read a file's mtime must be for the stat cache to trust it. */
const RACY_NS = 2_000_000_000n;

export class ContentHasher {
  private entries = new Map<string, Entry>();
  private dirty = false;
  /** Bytes actually read, so benchmarks and tests can see that nothing was re-read. */
  bytesRead = 0;
  /** The stat of each path given to `hash`, as found then: the local backend trusts a large file still at it. */
  readonly seen = new Map<string, fs.BigIntStats>();

  /** @param cacheFile where the stat cache persists; undefined keeps it in memory only. */
  constructor(private readonly cacheFile?: string) {
    if (!cacheFile) return;
    try {
      const parsed = CacheFile.safeParse(JSON.parse(fs.readFileSync(cacheFile, "utf8")));
      if (parsed.success) this.entries = new Map(Object.entries(parsed.data.entries));
    } catch {
      // No cache yet, or an unreadable one: start empty.
    }
  }

  /** The content hash of a file or directory; throws if it does not exist. */
  async hash(p: string): Promise<string> {
    const stat = await fs.promises.stat(p, { bigint: true });
    this.seen.set(p, stat);
    if (stat.isDirectory()) return this.hashDir(p, new Set([`${stat.dev}:${stat.ino}`]));
    return this.hashFile(p, stat);
  }

  private async hashFile(file: string, stat: fs.BigIntStats): Promise<string> {
    const mtimeNs = stat.mtimeNs.toString();
    const cached = this.entries.get(file);
    if (cached && cached.dev === Number(stat.dev) && cached.ino === Number(stat.ino) && cached.size === Number(stat.size) && cached.mtimeNs === mtimeNs) {
      return cached.hash;
    }
    const started = BigInt(Date.now()) * 1_000_000n;
    const digest = createHash("sha256");
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
      digest.update(chunk as Buffer);
      this.bytesRead += (chunk as Buffer).length;
    }
    const hash = digest.digest("hex");
    // A file written just before it was read may be written again within the same timestamp
    // tick, same size, and look unchanged (git's "racily clean" entries): remember only files
    // whose mtime is safely older than the read.
    if (stat.mtimeNs < started - RACY_NS) {
      this.entries.set(file, { dev: Number(stat.dev), ino: Number(stat.ino), size: Number(stat.size), mtimeNs, hash });
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
    }
    return createHash("sha256").update(canonicalJson(entries)).digest("hex");
  }

  /** Writes the stat cache back, atomically, if anything was learnt. */
  save(): void {
    if (!this.cacheFile || !this.dirty) return;
    fs.mkdirSync(path.dirname(this.cacheFile), { recursive: true });
    const tmp = `${this.cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ version: 1, entries: Object.fromEntries(this.entries) }));
    fs.renameSync(tmp, this.cacheFile);
    this.dirty = false;
  }
}
