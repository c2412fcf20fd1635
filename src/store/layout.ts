// Where each thing of the store lives, the one place that says so. A store is a directory:
//
//   STORE/<key>/              an entry: the task's outputs, one file or directory each, and
//   STORE/<key>/meta.json     its record (meta.ts), written last: an entry is in the store
//                             exactly when its meta.json is
//   STORE/.tmp/               work directories, renamed to STORE/<key>/ when committed. A name
//                             says who made it, so that stale-work.ts can remove what dead
//                             owners on this host left:
//                               KEY.HOST.PID.N          pipe's own, PID being pipe's
//                               KEY.HOST.BASHPID.RANDOM the self-contained task script's
//                               WORK.old, KEY.old.BASHPID an entry a forced rerun replaces
//                               WORK.args.json          a TypeScript action's arguments
//                               WORK.work               the self-contained script's scratch, $PIPE_WORK
//                               scratch.HOST.PID.N      pipe's scratch, lent to one task at a time
//                               .probe.HOST.PID         the store probe's (probe.ts)
//   STORE/.locks/             per-key locks and the owner file of each run (locks.ts)
//   STORE/.needs/             what running work needs, and the mark of a collection (needs.ts)
//   STORE/.verified/JOB/      stamps of inputs a Slurm job has verified (plan/verify-inputs.ts)
//
// The project keeps its stat cache of content hashes beside it, `.pipe/hash-cache.json`
// (plan/content-hash.ts). Bash scripts name the same places from `$PIPE_STORE` (`inBash`).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The file whose presence makes a directory of the store an entry. */
export const META = "meta.json";
export const TMP = ".tmp";
export const LOCKS = ".locks";
export const VERIFIED = ".verified";
export const NEEDS = ".needs";

export const entryDir = (storeDir: string, key: string): string => path.join(storeDir, key);

/** Concatenated rather than joined: asked once per task of every plan, and the key needs no normalising. */
export const metaFile = (storeDir: string, key: string): string => `${storeDir}${path.sep}${entryMeta(key)}`;

/** An entry's meta.json, relative to the store's directory. */
const entryMeta = (key: string): string => `${key}${path.sep}${META}`;

/** Whether `key` is in the store: one stat of its meta.json. A run asks this of every task, so it loads nothing more than this file. */
export function inStore(storeDir: string, key: string): boolean {
  return fs.existsSync(metaFile(storeDir, key));
}

/**
 * Whether every one of `keys` is in the store, as `inStore` says, asking until one is not:
 * for keys expected there. `accessSync` costs less than `existsSync` for a file that is
 * there (a sixth, for 10,000 keys), and more for one that is not (it throws): that happens
 * once here. Asked from inside the store's directory, so that the kernel walks two parts of
 * each path rather than all of the store's own as well: a fifth less time for 10,000 keys.
 * The working directory is the caller's again before this returns, and nothing else runs
 * meanwhile (the loop is synchronous). Where it cannot be changed (a worker thread, a store
 * that cannot be entered), each path is asked whole.
 */
export function allInStore(storeDir: string, keys: Iterable<string>): boolean {
  const cwd = process.cwd();
  let inside = true;
  try {
    process.chdir(storeDir);
  } catch {
    inside = false;
  }
  try {
    for (const key of keys) fs.accessSync(inside ? entryMeta(key) : metaFile(storeDir, key));
    return true;
  } catch {
    return false;
  } finally {
    if (inside) process.chdir(cwd);
  }
}

/** A store's directory holding fewer than this many entries per key asked about is listed rather than stat'ed key by key. */
const LISTED_BELOW = 0.5;

/**
 * `inStore` for each of `count` keys about to be asked. When the store holds far fewer entries
 * than that (a first bundle of a 100,000-task sweep; a store of another project's), its
 * directory is listed once and only the keys it holds are stat'ed: a failing stat per new key
 * cost a bundle of 100,000 a quarter of a second. The entries are counted by the directory's
 * link count (each subdirectory's `..`), which file systems that do not keep it (btrfs) leave
 * at 1: those are asked key by key, as is a store holding many entries, where a listing would
 * cost more than the stats it saves. The listing is taken now: an entry committed later is
 * absent, as it would be to a stat made now.
 */
export function storeLookup(storeDir: string, count: number): (key: string) => boolean {
  const stat = fs.statSync(storeDir, { throwIfNoEntry: false });
  if (!stat) return () => false;
  const entries = stat.nlink - 2;
  if (!stat.isDirectory() || stat.nlink < 2 || entries >= count * LISTED_BELOW) return (key) => inStore(storeDir, key);
  let listed: Set<string>;
  try {
    listed = new Set(fs.readdirSync(storeDir));
  } catch {
    return (key) => inStore(storeDir, key);
  }
  return (key) => listed.has(key) && inStore(storeDir, key);
}

/** Where an entry keeps an output: a file, or a directory for a `Dir`; `output` is its file name (`storedAs`). */
export const outputPath = (storeDir: string, key: string, output: string): string => `${entryPrefix(storeDir)}${key}${path.sep}${output}`;

/** Concatenated, as `metaFile`: a run prints every output's path, and the store's path is absolute and normalised already. */
const entryPrefix = (storeDir: string): string => (storeDir.endsWith(path.sep) ? storeDir : storeDir + path.sep);

/** The file an output is stored as in its entry (and built as in a work directory): the name it declares, else its own name. */
export const storedAs = (output: { readonly name: string; readonly file?: string | undefined }): string => output.file ?? output.name;

export const tmpDir = (storeDir: string): string => path.join(storeDir, TMP);

export const locksDir = (storeDir: string): string => path.join(storeDir, LOCKS);

/** The needs files of running work and the mark of a collection (needs.ts). */
export const needsDir = (storeDir: string): string => path.join(storeDir, NEEDS);

/** The lock of a key: a hard link to its run's owner file. */
export const lockFile = (storeDir: string, key: string): string => path.join(storeDir, LOCKS, key);

/** A run's owner file, to which each of its locks is a link. */
export const ownerFile = (storeDir: string, run: string): string => path.join(storeDir, LOCKS, `run-${run}.owner`);

export const isOwnerFile = (name: string): boolean => name.startsWith("run-") && name.endsWith(".owner");

/** This machine, as work directories, locks and records name it. */
export const thisHost = os.hostname();

/** pipe's work directory for its `n`th attempt at a task in this process: `.tmp/KEY.HOST.PID.N`. */
export const workDir = (storeDir: string, key: string, n: number): string => path.join(storeDir, TMP, `${key}.${thisHost}.${process.pid}.${n}`);

/** pipe's `n`th scratch directory (`$PIPE_WORK`) in this process, emptied before it is lent to another task (backends/local/scratch.ts). */
export const scratchDir = (storeDir: string, n: number): string => path.join(storeDir, TMP, `scratch.${thisHost}.${process.pid}.${n}`);

/** Where a forced rerun moves the entry it replaces, from its work directory `work`. */
export const replacedDir = (work: string): string => `${work}.old`;

/** The store probe's file in `.tmp`. */
export const probeFile = (storeDir: string): string => path.join(storeDir, TMP, `.probe.${thisHost}.${process.pid}`);

/** The owner, host and pid, of a name in `.tmp`, when it is one of the forms above that has one. */
export function workOwner(name: string): { readonly host: string; readonly pid: number } | undefined {
  const m = WORK_NAME.exec(name);
  if (!m) return undefined;
  return m[1] !== undefined ? { host: m[1], pid: Number(m[2]) } : { host: m[3]!, pid: Number(m[4]) };
}

const WORK_NAME = /^(?:(?:[0-9a-f]+|scratch)\.(.+)\.(\d+)\.\d+|\.probe\.(.+)\.(\d+))(?:\.args\.json|\.old|\.work)?$/;

/**
 * Makes the project's `.pipe/` (store, runs, stat cache) with a `.gitignore` of `*` inside,
 * so that nothing in it is ever committed, whatever the project's own `.gitignore` says.
 */
export function ensureProjectDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, ".gitignore");
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, "# written by pipe: everything here is made by pipe\n*\n", { flag: "wx" });
}

/** The project's stat cache of content hashes (plan/content-hash.ts), not part of the store: it is about the project's files. */
export const hashCacheFile = (projectDir: string): string => path.join(projectDir, ".pipe", "hash-cache.json");

/** The same places as bash words' text, from `$PIPE_STORE` (to go inside double quotes). */
export const inBash = {
  /** An entry; `key` is bash text too (`$key`, or a key itself). */
  entry: (key: string) => `$PIPE_STORE/${key}`,
  meta: (key: string) => `$PIPE_STORE/${key}/${META}`,
  output: (key: string, output: string) => `$PIPE_STORE/${key}/${output}`,
  tmp: `$PIPE_STORE/${TMP}`,
  /** The task script's work directory: without -p on the last step, two runs (on two nodes of a shared store) never share one. */
  work: `$PIPE_STORE/${TMP}/$key.$HOSTNAME.$BASHPID.$RANDOM`,
  replaced: `$PIPE_STORE/${TMP}/$key.old.$BASHPID`,
  /** The command's scratch beside the work directory `$out`. */
  scratch: "$out.work",
  verified: (job: string) => `$PIPE_STORE/${VERIFIED}/${job}`,
  needs: `$PIPE_STORE/${NEEDS}`,
} as const;
