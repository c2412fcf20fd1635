// What running work needs from the store, so that `pipe gc` never deletes it. A `pipe run`
// lists every key of its plan (the ones it computes and the ones it reads) in a needs file,
// `STORE/.locks/needs.HOST.PID.N`, before it asks the store what is cached, and removes the
// file when it ends; a collector keeps every key of a needs file whose owner lives (on this
// host, its pid; a needs file of another host is always kept, its pids mean nothing here).
//
// A collector marks the store first (`STORE/.locks/gc`, made exclusively), then reads the
// needs files, then deletes. A run writes its needs file first, then waits while a live
// collector's mark is there, then reads the store. Each writes before it reads, so either
// the collector sees the run's needs, or the run sees the mark and reads the store only
// after the collection: a run never takes for cached an entry that is being deleted.

import fs from "node:fs";
import path from "node:path";
import { locksDir, thisHost } from "./layout.js";
import { alive } from "./locks.js";

const NEEDS_PREFIX = "needs.";
const GC_MARK = "gc";
const POLL_MS = 100;
const UNREADABLE_GRACE_MS = 10_000;

interface Owner {
  readonly host: string;
  readonly pid: number;
}

let counter = 0;

/** Writes a needs file for `keys`; the returned function removes it. */
export function registerNeeds(storeDir: string, keys: Iterable<string>): () => void {
  const dir = locksDir(storeDir);
  fs.mkdirSync(dir, { recursive: true });
  const name = `${NEEDS_PREFIX}${thisHost}.${process.pid}.${counter++}`;
  const file = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.tmp`);
  const owner: Owner = { host: thisHost, pid: process.pid };
  fs.writeFileSync(tmp, `${JSON.stringify(owner)}\n${[...keys].join("\n")}\n`);
  fs.renameSync(tmp, file);
  return () => fs.rmSync(file, { force: true });
}

/** Resolves once no live collector marks the store (at once, mostly). */
export async function whileCollecting(storeDir: string, signal?: AbortSignal): Promise<void> {
  const mark = path.join(locksDir(storeDir), GC_MARK);
  while (!signal?.aborted) {
    const owner = readOwner(mark);
    if (owner === null) return;
    if (owner && !livesOrElsewhere(owner)) return;
    // A mark that cannot be read is one being written, unless it has been so for long.
    if (!owner && Date.now() - mtimeMs(mark) > UNREADABLE_GRACE_MS) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Marks the store as being collected; returns the unmarking function, or the owner of a live mark. */
export function markCollecting(storeDir: string): { release: () => void } | { busy: string } {
  const dir = locksDir(storeDir);
  fs.mkdirSync(dir, { recursive: true });
  const mark = path.join(dir, GC_MARK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(mark, JSON.stringify({ host: thisHost, pid: process.pid } satisfies Owner) + "\n", { flag: "wx" });
      return { release: () => fs.rmSync(mark, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = readOwner(mark);
    if (owner && livesOrElsewhere(owner)) return { busy: `pid ${owner.pid} on ${owner.host}` };
    // A collector that died left its mark: taken over.
    fs.rmSync(mark, { force: true });
  }
  return { busy: "a mark that keeps coming back" };
}

/** Answers which of the given Slurm job ids are still queued or running; undefined when it cannot tell. */
export type ActiveJobs = (ids: readonly string[]) => Promise<ReadonlySet<string> | undefined>;

/**
 * The keys the live needs files name. A pipe's file lives while its pid does; a Slurm
 * submission's while one of its jobs is queued or running (asked once, of `activeJobs`;
 * without an answer, it lives). The files of owners gone are removed.
 */
export async function liveNeeds(storeDir: string, activeJobs?: ActiveJobs): Promise<Set<string>> {
  const dir = locksDir(storeDir);
  const keys = new Set<string>();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return keys;
  }
  const files: { file: string; lines: string[]; jobs?: string[] }[] = [];
  for (const name of names) {
    if (!name.startsWith(NEEDS_PREFIX) || name.endsWith(".tmp")) continue;
    const file = path.join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const lines = text.split("\n");
    const head = lines[0] ?? "";
    const jobs = slurmJobs(head);
    if (jobs) files.push({ file, lines, jobs });
    else {
      const owner = parseOwner(head);
      // Unreadable: kept, its keys being what they are; a file is taken for dead only when its owner is known gone.
      if (owner && !livesOrElsewhere(owner)) fs.rmSync(file, { force: true });
      else files.push({ file, lines });
    }
  }
  const allJobs = files.flatMap((f) => f.jobs ?? []);
  const active = allJobs.length && activeJobs ? await activeJobs(allJobs) : undefined;
  for (const f of files) {
    if (f.jobs && active && !f.jobs.some((j) => active.has(j))) {
      fs.rmSync(f.file, { force: true });
      continue;
    }
    for (const key of f.lines.slice(1)) if (key) keys.add(key);
  }
  return keys;
}

function slurmJobs(line: string): string[] | undefined {
  try {
    const v = JSON.parse(line) as { slurm?: unknown };
    return typeof v.slurm === "string" ? v.slurm.split(",").filter(Boolean) : undefined;
  } catch {
    return undefined;
  }
}

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function livesOrElsewhere(owner: Owner): boolean {
  return owner.host !== thisHost || alive(owner.pid);
}

/** The owner in a file; null when there is no file, undefined when it cannot be read yet. */
function readOwner(file: string): Owner | null | undefined {
  try {
    return parseOwner(fs.readFileSync(file, "utf8").split("\n")[0] ?? "");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? null : undefined;
  }
}

function parseOwner(line: string): Owner | undefined {
  try {
    const v = JSON.parse(line) as Partial<Owner>;
    return typeof v.host === "string" && typeof v.pid === "number" ? { host: v.host, pid: v.pid } : undefined;
  } catch {
    return undefined;
  }
}
