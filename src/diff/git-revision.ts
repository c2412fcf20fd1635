// One side of `pipe diff` taken from git: `REV:path` as `git show` reads it (the path from
// the repository's top, or from the current directory when it starts with `./` or `../`).
//
// A plan JSON is read with `git show`. A `.pipe` file needs its world — imports, `uses`
// files, TypeScript actions, inputs, the project config — which only compiling it reveals,
// and the compiler reads those from disk. So the revision's whole tree is written into a
// temporary directory with a private index (`git read-tree` + `git checkout-index`, which
// leaves the repository's index and working tree alone and applies its filters, e.g. LFS),
// and the compiler runs there. A source tree is small next to a compile; the alternative,
// materializing file by file as the compiler asks, would need the compiler to read through
// a host everywhere. Files git does not track (data kept out of version control,
// node_modules) are linked from the working tree: git has no older version of them, so the
// current one is the best answer, and their content is then the same on both sides.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MAX_PLAN_BYTES, readUserFile } from "../host.js";
import { HASH_CACHE_VERSION } from "../plan/content-hash.js";
import { hashCacheFile } from "../store/layout.js";
import type { RevisionPath } from "./revision-path.js";

export { parseRevisionPath, type RevisionPath } from "./revision-path.js";

export class GitError extends Error {}

interface Repo {
  readonly top: string;
  /** The current directory relative to the top, with a trailing slash, or empty. */
  readonly prefix: string;
  /** The path relative to the top (POSIX). */
  readonly path: string;
}

async function git(cwd: string, args: string[], env?: Record<string, string>): Promise<string> {
  // Loaded on first use, not with the CLI: execa is a third of the start-up of every command.
  const { execa } = await import("execa");
  const r = await execa("git", args, { cwd, reject: false, stripFinalNewline: true, ...(env ? { env } : {}) });
  if (r.exitCode !== 0) throw new GitError(`git ${args.join(" ")}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
  return r.stdout;
}

async function locate(cwd: string, spec: RevisionPath): Promise<Repo> {
  const top = await git(cwd, ["rev-parse", "--show-toplevel"]);
  const prefix = await git(cwd, ["rev-parse", "--show-prefix"]);
  const relative = spec.path.startsWith("./") || spec.path.startsWith("../");
  const p = path.posix.normalize(relative ? prefix + spec.path : spec.path);
  if (p.startsWith("../")) throw new GitError(`${spec.path} is outside the repository`);
  await git(top, ["cat-file", "-e", `${spec.rev}:${p}`]).catch(() => {
    throw new GitError(spec.rev ? `${p} does not exist in ${spec.rev}` : `${p} is not in the index`);
  });
  return { top, prefix, path: p };
}

/** The file's content at the revision; refused, before reading, when it is not a file or too large. */
export async function showAtRevision(cwd: string, spec: RevisionPath, maxBytes = MAX_PLAN_BYTES): Promise<string> {
  const repo = await locate(cwd, spec);
  const object = `${spec.rev}:${repo.path}`;
  const type = await git(repo.top, ["cat-file", "-t", object]);
  if (type !== "blob") throw new GitError(`${repo.path} is a ${type} in ${spec.rev || "the index"}, not a file`);
  const size = Number(await git(repo.top, ["cat-file", "-s", object]));
  if (size > maxBytes) throw new GitError(`${repo.path} is ${size} bytes in ${spec.rev || "the index"}, more than the limit of ${maxBytes}`);
  const { execa } = await import("execa");
  const r = await execa("git", ["show", `${spec.rev}:${repo.path}`], { cwd: repo.top, reject: false, stripFinalNewline: false });
  if (r.exitCode !== 0) throw new GitError(r.stderr.trim());
  return r.stdout;
}

export interface Checkout {
  /** The entry file inside the checkout. */
  readonly file: string;
  /** The current directory's counterpart inside the checkout. */
  readonly cwd: string;
  remove(): Promise<void>;
}

/** Writes the revision's tree to a temporary directory (see the header). */
export async function checkoutRevision(cwd: string, spec: RevisionPath): Promise<Checkout> {
  const repo = await locate(cwd, spec);
  const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), "pipe-diff-"));
  const remove = () => fs.promises.rm(tmp, { recursive: true, force: true });
  try {
    const tree = path.join(tmp, "tree");
    const env = spec.rev ? { GIT_INDEX_FILE: path.join(tmp, "index") } : undefined;
    if (spec.rev) await git(repo.top, ["read-tree", `${spec.rev}^{tree}`], env);
    await git(repo.top, ["checkout-index", "--all", "--force", `--prefix=${tree}/`], env);
    await linkUntracked(repo.top, tree);
    await seedHashCache(path.join(repo.top, path.dirname(repo.path)), path.join(tree, path.dirname(repo.path)), repo.top, tree);
    return { file: path.join(tree, repo.path), cwd: path.join(tree, repo.prefix), remove };
  } catch (e) {
    await remove();
    throw e;
  }
}

async function linkUntracked(top: string, tree: string): Promise<void> {
  // `--directory` names an untracked directory once instead of listing its files.
  const listed = await git(top, ["ls-files", "-z", "--others", "--directory", "--no-empty-directory"]);
  for (const entry of listed.split("\0")) {
    const rel = entry.replace(/\/$/, "");
    // A project's own `.pipe` (store, hash cache) stays out: the checkout gets fresh ones.
    if (!rel || rel.split("/").includes(".pipe")) continue;
    const dest = path.join(tree, rel);
    try {
      await fs.promises.lstat(dest);
      continue; // tracked at the revision: that version wins
    } catch {
      // absent: link it
    }
    try {
      await fs.promises.mkdir(path.dirname(dest), { recursive: true });
      await fs.promises.symlink(path.join(top, rel), dest);
    } catch {
      // A file at the revision where the working tree has a directory: the revision wins.
    }
  }
}

/**
 * Starts the checkout's hash cache from the working tree's, its paths moved into the
 * checkout, so that large untracked inputs (linked, so with the same device, inode and
 * mtime) are not read again; files written by the checkout are new inodes and are hashed.
 * The format is plan/content-hash.ts's; anything unexpected means no seed.
 */
async function seedHashCache(projectDir: string, checkoutProjectDir: string, top: string, tree: string): Promise<void> {
  const source = hashCacheFile(projectDir);
  try {
    const read = readUserFile(source, MAX_PLAN_BYTES);
    if (!read.ok) return;
    const cache = JSON.parse(read.text) as { version?: unknown; entries?: unknown };
    if (cache.version !== HASH_CACHE_VERSION || !Array.isArray(cache.entries)) return;
    // Path, record, path, record: the record (the stat and the hash) moves with its path.
    const entries: unknown[] = [];
    for (let i = 0; i + 1 < cache.entries.length; i += 2) {
      const file: unknown = cache.entries[i];
      if (typeof file === "string" && file.startsWith(top + path.sep)) entries.push(path.join(tree, path.relative(top, file)), cache.entries[i + 1]);
    }
    const target = hashCacheFile(checkoutProjectDir);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.writeFile(target, JSON.stringify({ version: HASH_CACHE_VERSION, entries }));
  } catch {
    // No cache in the working tree: everything is hashed.
  }
}
