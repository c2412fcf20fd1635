// `pipe outputs --link DIR`: a tree of symlinks into the store, one folder per task of the
// plan, named by its id: the entry's name dropped, each binding a folder, a sweep's labels a
// folder below it (`main/runs[lr=0.001,seed=2]` is `DIR/runs/lr=0.001,seed=2/`), and in it a
// link per output in the store (`model -> STORE/<key>/model`). The tree is made again on each
// call: links to results the plan no longer has are removed, new ones added.
//
// DIR may hold the user's own files, which are never touched. What pipe made is listed in
// `DIR/.pipe-links.json`; a link is removed only when it is still a symlink to the target
// that file recorded, a folder only when pipe made it and it is empty. A path in the way
// that pipe did not make (a file, a directory through a link) is a warning and is left.

import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Plan } from "../plan/plan.js";
import { printable } from "../printable.js";
import { outputPath, storeLookup } from "../store/index.js";

export const MANIFEST = ".pipe-links.json";

const ManifestSchema = z.object({
  format: z.literal("pipe-links/1"),
  /** Relative path of each link pipe made, and its target. */
  links: z.record(z.string(), z.string()),
  /** Folders pipe made, relative. */
  dirs: z.array(z.string()),
});
type Manifest = z.infer<typeof ManifestSchema>;

export interface LinkResult {
  /** The folder of each task, relative to DIR, by task id. */
  readonly folders: ReadonlyMap<string, string>;
  readonly added: number;
  readonly removed: number;
  readonly kept: number;
  readonly warnings: Diagnostic[];
  /** Why nothing was done (DIR is not a directory, cannot be written). */
  readonly error?: string;
}

/** The relative folder of each task of the plan; ids that would share a folder get `#2`, `#3`. */
export function taskFolders(plan: Plan): Map<string, string> {
  const folders = new Map<string, string>();
  const used = new Set<string>();
  for (const task of plan.tasks) {
    const parts = idSegments(task.id);
    if (parts[0] === plan.entry && parts.length > 1) parts.shift();
    const base = parts.map(fileName).join("/");
    let folder = base;
    for (let n = 2; used.has(folder); n++) folder = `${base}#${n}`;
    used.add(folder);
    folders.set(task.id, folder);
  }
  return folders;
}

/**
 * The path segments of an id: split at `/` outside `[...]`, and a segment's labels made a
 * folder of their own (`runs[lr=0.1]` is `runs`, `lr=0.1`).
 */
function idSegments(id: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  const flush = () => {
    const m = /^([^[]*)\[(.*)\]$/s.exec(current);
    if (m && m[1]) out.push(m[1], m[2]!);
    else out.push(current);
    current = "";
  };
  for (const ch of id) {
    if (ch === "[") depth++;
    else if (ch === "]") depth = Math.max(0, depth - 1);
    if (ch === "/" && depth === 0) flush();
    else current += ch;
  }
  flush();
  return out.filter((s) => s !== "");
}

/** A segment as a safe file name: `/` and `%` percent-encoded, control characters escaped, never `.` or `..`. */
function fileName(segment: string): string {
  const text = printable(segment).replace(/%/g, "%25").replace(/\//g, "%2F");
  return text === "." || text === ".." ? text.replace(/\./g, "%2E") : text;
}

export function linkTree(plan: Plan, storeDir: string, dir: string): LinkResult {
  const folders = taskFolders(plan);
  const empty = { folders, added: 0, removed: 0, kept: 0, warnings: [] };
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.statSync(dir).isDirectory()) return { ...empty, error: `${dir} is not a directory` };
  } catch (error) {
    return { ...empty, error: `cannot make ${dir}: ${(error as Error).message}` };
  }
  const old = readManifest(dir);
  const wanted = new Map<string, string>();
  const wantedDirs = new Set<string>();
  const stored = storeLookup(storeDir, plan.tasks.length);
  for (const task of plan.tasks) {
    const folder = folders.get(task.id)!;
    for (let d = folder; d !== "."; d = path.posix.dirname(d)) wantedDirs.add(d);
    if (!stored(task.key)) continue;
    for (const o of plan.actions[task.action]!.outputs) wanted.set(`${folder}/${fileName(o.name)}`, outputPath(storeDir, task.key, o.name));
  }

  const warnings: Diagnostic[] = [];
  const warn = (rel: string) => warnings.push(at(Diag.linkInTheWay(path.join(dir, rel)), undefined, { hint: "move it away and run `pipe outputs --link` again to have the link made" }));
  let removed = 0;
  // Links of the last tree that are not wanted any more, or not to the same target.
  for (const [rel, target] of Object.entries(old.links)) {
    if (wanted.get(rel) === target) continue;
    if (readLink(path.join(dir, rel)) === target) {
      fs.rmSync(path.join(dir, rel), { force: true });
      removed++;
    }
  }
  const made: Manifest = { format: "pipe-links/1", links: {}, dirs: [] };
  const oldDirs = new Set(old.dirs);
  const blocked = new Set<string>();
  // Folders first, parents before children; a folder pipe did not make may be the user's own, and is used.
  for (const d of [...wantedDirs].sort()) {
    if ([...blocked].some((b) => d.startsWith(`${b}/`))) continue;
    const full = path.join(dir, d);
    const stat = lstatOf(full);
    if (!stat) {
      fs.mkdirSync(full);
      made.dirs.push(d);
    } else if (!stat.isDirectory()) {
      blocked.add(d);
      warn(d);
    } else if (oldDirs.has(d)) made.dirs.push(d);
  }
  let added = 0;
  let kept = 0;
  for (const [rel, target] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if ([...blocked].some((b) => rel.startsWith(`${b}/`))) continue;
    const full = path.join(dir, rel);
    const current = readLink(full);
    if (current === target) {
      made.links[rel] = target;
      kept++;
      continue;
    }
    if (lstatOf(full)) {
      warn(rel);
      continue;
    }
    fs.symlinkSync(target, full);
    made.links[rel] = target;
    added++;
  }
  // Folders pipe made that the tree no longer has: removed when empty, deepest first.
  for (const d of [...oldDirs].filter((d) => !wantedDirs.has(d)).sort().reverse()) {
    try {
      fs.rmdirSync(path.join(dir, d));
    } catch {
      // Not empty (the user put something there) or gone: left.
    }
  }
  const tmp = path.join(dir, `${MANIFEST}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(made, null, 1) + "\n");
  fs.renameSync(tmp, path.join(dir, MANIFEST));
  return { folders, added, removed, kept, warnings };
}

function readManifest(dir: string): Manifest {
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), "utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // None yet, or not ours: nothing in DIR is taken for pipe's.
  }
  return { format: "pipe-links/1", links: {}, dirs: [] };
}

function readLink(file: string): string | undefined {
  try {
    return fs.readlinkSync(file);
  } catch {
    return undefined;
  }
}

function lstatOf(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}
