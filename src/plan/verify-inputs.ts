// The check that a task runs only what its key was computed from: before its command, every
// `uses` file, TypeScript source and external `File`/`Dir` input of the task must still have
// the content hash the plan recorded (`task.files`). One module for every place that checks:
// the message, the size rule, the bash check of task scripts and submit.sh (`bashCheck`), the
// local backend's in-process check (`InputVerifier`), the node entry that hashes a directory
// for bash (runtime/verify-input.ts) and `pipe submit`'s comparison (`changedFiles`).
//
// Cost is what shapes it. Small files are hashed by content at every check. A large file is
// trusted when its stat fingerprint (size, inode, mtime, ctime) is what it was when it was last
// hashed; a directory is walked once per run locally (the compile just did it) and once per
// Slurm job in a bundle: the first task of a job that needs it leaves a stamp under the store
// (`.verified/JOB/ID`, holding the fingerprint it was verified at), later tasks of the job trust
// a stamp whose fingerprint still matches.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
// The layout alone, not the store's index: runtime/verify-input.js, started by task scripts
// for each directory they check, loads this module and should load little else.
import { hashCacheFile, inBash } from "../store/layout.js";
import { ContentHasher, SMALL_FILE_BYTES } from "./content-hash.js";
import { sameFiles } from "./keys.js";
import type { KeyFile, Task } from "./plan.js";
import { doubleQuote, shellQuote } from "../shell/quote.js";

/** The exit status of a task refused because a file changed: not retried. */
export const INPUTS_CHANGED_STATUS = 65;

/** The variable naming a file a task script creates when it refused to run for a changed file (job-script.ts reads it). */
export const CHANGED_MARK = "PIPE_CHANGED_MARK";

/** What to do about a changed file, by where the task runs. */
export const REMEDY = { slurm: "emit the bundle again", local: "run again to plan with it" } as const;

const short = (hash: string) => hash.slice(0, 8);

/** The message for a changed file; `actual` and `expected` are already shortened (bash passes `${got:0:8}`). */
export const changedText = (file: string, actual: string, expected: string, remedy: string) =>
  `${file} changed since the plan was made (sha256 ${actual}…, the key has ${expected}…): ${remedy}`;

export const goneText = (file: string, expected: string, remedy: string) => `${file} is gone since the plan was made (the key has ${expected}…): ${remedy}`;

export function changedMessage(file: string, actual: string | undefined, expected: string, remedy: string): string {
  return actual === undefined ? goneText(file, short(expected), remedy) : changedText(file, short(actual), short(expected), remedy);
}

/** The files a task's key covers, each once (a sweep's tasks share them). */
export function keyFiles(tasks: Iterable<Task>): KeyFile[] {
  const seen = new Map<string, KeyFile>();
  for (const t of tasks) for (const f of t.files) if (!seen.has(`${f.path}\0${f.hash}`)) seen.set(`${f.path}\0${f.hash}`, f);
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.hash < b.hash ? -1 : 1));
}

/** The name of a file's stamp: its path and expected hash, so that a new plan never trusts an old stamp. */
export function stampId(file: KeyFile): string {
  // A sweep's tasks ask for the same file's, one after another: the last one named is kept.
  if (lastStamp === undefined || file.path !== lastStamp.path || file.hash !== lastStamp.hash) lastStamp = { path: file.path, hash: file.hash, id: createHash("sha256").update(`${file.path}\0${file.hash}`).digest("hex").slice(0, 24) };
  return lastStamp.id;
}

let lastStamp: { readonly path: string; readonly hash: string; readonly id: string } | undefined;

/**
 * Hashes files and directories as the compile does, reading the project's stat cache but
 * never writing it (many tasks of a job may check at once, on several nodes).
 */
export function projectHasher(projectDir: string): ContentHasher {
  return new ContentHasher(hashCacheFile(projectDir));
}

/** The files of `tasks` whose content is no longer what their keys say, with the message for each. */
export async function changedFiles(tasks: Iterable<Task>, projectDir: string, remedy: string): Promise<{ file: string; message: string }[]> {
  const hasher = projectHasher(projectDir);
  const changed = [];
  for (const f of keyFiles(tasks)) {
    const actual = await hasher.hash(path.resolve(projectDir, f.path)).catch(() => undefined);
    if (actual !== f.hash) changed.push({ file: f.path, message: changedMessage(f.path, actual, f.hash, remedy) });
  }
  return changed;
}


// --- the local backend ---------------------------------------------------------------------

/** The stat fields a large file must still have for a run's check to trust the hash found before. */
const statFingerprint = (stat: fs.BigIntStats): string => `${stat.dev} ${stat.ino} ${stat.size} ${stat.mtimeNs} ${stat.ctimeNs}`;

/**
 * The local backend's check, synchronous (it runs on the way to a launcher, like every file
 * operation of a task's life there). Directories are not walked: the compile at the start of
 * the run hashed them. `seen` holds what the compile that made the plan found at each path
 * (ContentHasher.seen): a large file still at that fingerprint has the plan's hash.
 */
export class InputVerifier {
  /** Large files: the fingerprint (statFingerprint) at which each was last found to have its hash. */
  private readonly trusted = new Map<string, string>();
  private readonly isDir = new Set<string>();
  /** Bytes read, so tests and benchmarks can see what the check costs. */
  bytesRead = 0;
  private buffer?: Buffer;

  constructor(
    private readonly projectDir: string,
    private readonly remedy: string,
    seen: ReadonlyMap<string, fs.BigIntStats> = new Map(),
  ) {
    for (const [file, stat] of seen) {
      if (stat.isDirectory()) this.isDir.add(file);
      else if (stat.size > SMALL_FILE_BYTES) this.trusted.set(file, statFingerprint(stat));
    }
  }

  /** The message for the first of the task's files that changed, or undefined. */
  check(task: Task): string | undefined {
    for (const f of task.files) {
      const file = path.resolve(this.projectDir, f.path);
      if (this.isDir.has(file)) continue;
      let stat: fs.BigIntStats | undefined;
      try {
        stat = fs.statSync(file, { bigint: true });
      } catch {
        return changedMessage(f.path, undefined, f.hash, this.remedy);
      }
      if (stat.isDirectory()) {
        // Not seen by the compile (a plan made elsewhere): walked once, here.
        this.isDir.add(file);
        continue;
      }
      const large = stat.size > SMALL_FILE_BYTES;
      if (large && this.trusted.get(file) === statFingerprint(stat)) continue;
      const actual = large ? this.hashFile(file) : this.hashSmall(file);
      if (actual !== f.hash) return changedMessage(f.path, actual, f.hash, this.remedy);
      if (large) this.trusted.set(file, statFingerprint(stat));
    }
    return undefined;
  }

  /** In one read: allocating a buffer for a file of a few bytes was most of a check's cost. */
  private hashSmall(file: string): string | undefined {
    try {
      const content = fs.readFileSync(file);
      this.bytesRead += content.length;
      return createHash("sha256").update(content).digest("hex");
    } catch {
      return undefined;
    }
  }

  private hashFile(file: string): string | undefined {
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch {
      return undefined;
    }
    try {
      const digest = createHash("sha256");
      const buffer = (this.buffer ??= Buffer.allocUnsafe(1 << 20));
      for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
        digest.update(buffer.subarray(0, n));
        this.bytesRead += n;
      }
      return digest.digest("hex");
    } finally {
      fs.closeSync(fd);
    }
  }
}

// --- bash: task scripts and submit.sh ------------------------------------------------------

/**
 * `pipe_check PATH HASH STAMP`: returns 0 when the project's PATH still has content hash
 * HASH; otherwise sets `pipe_changed` to the message and returns 1. Small files are read by
 * `sha256sum`; a directory is hashed by pipe's own code (the format of content-hash.ts is not
 * something bash can reproduce), `node $PIPE_HOME/dist/runtime/verify-input.js`. A large file
 * or a directory is trusted when `$pipe_stamps/STAMP` holds its current fingerprint (no
 * stamps when `pipe_stamps` is empty), and stamped once verified.
 */
export function bashCheck(remedy: string): string[] {
  const gone = bashText(goneText(FILE, WANT, remedy));
  const changed = bashText(changedText(FILE, GOT, WANT, remedy));
  return [
    "pipe_check() {",
    '  local f="$1" got fp="" seen stamp=""',
    '  case "$f" in /*) ;; *) f="$PIPE_PROJECT/$f" ;; esac',
    `  if [ ! -e "$f" ]; then pipe_changed=${gone}; return 1; fi`,
    `  if [ -f "$f" ] && [ "$(stat -Lc %s -- "$f")" -le ${SMALL_FILE_BYTES} ]; then`,
    '    got=$(sha256sum < "$f") || got=""',
    "  else",
    '    if [ -n "$pipe_stamps" ]; then',
    '      stamp="$pipe_stamps/$3"',
    "      fp=$(stat -Lc '%s %i %y %z' -- \"$f\")",
    '      if [ -f "$stamp" ] && IFS= read -r seen < "$stamp" && [ "$seen" = "$fp" ]; then return 0; fi',
    "    fi",
    '    if [ -d "$f" ]; then',
    '      got=$(node "${PIPE_HOME:?set PIPE_HOME to the pipe installation, to check a directory}/dist/runtime/verify-input.js" "$f") || got=""',
    "    else",
    '      got=$(sha256sum < "$f") || got=""',
    "    fi",
    "  fi",
    "  got=${got%% *}",
    `  if [ "$got" != "$2" ]; then pipe_changed=${changed}; return 1; fi`,
    '  if [ -n "$stamp" ] && { [ -d "$pipe_stamps" ] || mkdir -p "$pipe_stamps"; }; then',
    '    printf \'%s\\n\' "$fp" > "$stamp" || true',
    "  fi",
    "}",
  ];
}

/** The check lines of one task script; none for a task whose key covers no file. */
export function taskCheckLines(task: Task, remedy: string): string[] {
  if (task.files.length === 0) return [];
  return [
    "# The files the key was computed from must be unchanged (plan/verify-inputs.ts). A job's",
    "# tasks share stamps of large files and directories; outside Slurm every task checks all.",
    "pipe_stamps=''",
    'pipe_job=${SLURM_ARRAY_JOB_ID:-${SLURM_JOB_ID:-}}',
    `if [ -n "$pipe_job" ]; then pipe_stamps="${inBash.verified("$pipe_job")}"; fi`,
    ...bashCheck(remedy),
    // The job script's retry loop looks for the mark: its status alone could be the command's.
    `pipe_refuse() { [ -z "\${${CHANGED_MARK}:-}" ] || : > "$${CHANGED_MARK}"; fail "$pipe_changed" ${INPUTS_CHANGED_STATUS}; }`,
    ...keyFiles([task]).map((f) => `pipe_check ${shellQuote(f.path)} ${f.hash} ${stampId(f)} || pipe_refuse`),
  ];
}

/**
 * The lines of a bundle's `inputs.tsv` for one job table (`table`, its rows the tasks in
 * order): the table, the row of a task or `*` for every row, then a file the keys cover, its
 * hash and stamp. A file all the rows share (a sweep's `uses` script) is one line for the
 * table, not one per task: 100,000 tasks were 13 MB of the same few names, which submit.sh
 * read line by line.
 */
export function inputsLines(table: string, tasks: readonly Task[]): string {
  const line = (row: string, f: KeyFile) => `${table}\t${row}\t${f.path.replace(/[\t\r\n]/g, " ")}\t${f.hash}\t${stampId(f)}\n`;
  const first = tasks[0]?.files ?? NO_FILES;
  // Mostly every task has the first one's files: the same strings, checked without a key per file.
  if (tasks.every((t) => sameFiles(t.files, first))) return keyFiles(tasks.slice(0, 1)).map((f) => line("*", f)).join("");
  const rows = new Map<string, number[]>();
  tasks.forEach((t, i) => {
    for (const f of t.files) {
      const id = `${f.path}\0${f.hash}`;
      const list = rows.get(id);
      if (!list) rows.set(id, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  });
  let text = "";
  for (const f of keyFiles(tasks)) {
    const of = rows.get(`${f.path}\0${f.hash}`)!;
    text += of.length === tasks.length ? line("*", f) : of.map((i) => line(String(i), f)).join("");
  }
  return text;
}

const NO_FILES: readonly KeyFile[] = [];

/** Why a submit stopped; `again` is how to submit anyway. */
export const refusalText = (count: string, again: string) =>
  `nothing was submitted: ${count} changed since the bundle was written; emit it again, or submit anyway with: ${again} (each task still checks its files when it runs, and stores nothing when one changed)`;

/**
 * submit.sh's check: the files of the tasks it would submit (not in the store, or forced),
 * each once, from `inputs.tsv` (`inputsLines`); it refuses (exit 2) when one changed, unless
 * given `--ignore-changes`. A directory needs node and PIPE_HOME; without them it is left to
 * the tasks. `need` holds the rows to submit (`TABLE:ROW`) and the tables with any (`TABLE`).
 */
export function submitCheckLines(): string[] {
  return [
    "# The files the keys were computed from, for the tasks to submit (plan/verify-inputs.ts).",
    'if [ "$ignore_changes" = 0 ]; then',
    "  declare -A need=() checked=()",
    "  changed=()",
    "  pipe_stamps=''",
    "  for list in jobs/*.tasks; do",
    "    while IFS=$'\\t' read -r row key force _; do",
    `      if [ "$force" = 1 ] || [ ! -f "${inBash.meta("$key")}" ]; then need[$list:$row]=1 need[$list]=1; fi`,
    '    done < "$list"',
    "  done",
    ...bashCheck(REMEDY.slurm).map((l) => `  ${l}`),
    "  while IFS=$'\\t' read -r table row file hash stamp; do",
    '    if [ "$row" = "*" ]; then at=$table; else at=$table:$row; fi',
    '    if [ -z "${need[$at]:-}" ] || [ -n "${checked[$file]:-}" ]; then continue; fi',
    "    checked[$file]=1",
    '    if [ -d "$PIPE_PROJECT/$file" ] && { [ -z "${PIPE_HOME:-}" ] || ! command -v node > /dev/null; }; then',
    '      echo "pipe: $file not checked here (a directory needs node on PATH and PIPE_HOME in bundle.env); its tasks check it when they run" >&2',
    "      continue",
    "    fi",
    '    pipe_check "$file" "$hash" "$stamp" || changed+=("$pipe_changed")',
    "  done < inputs.tsv",
    "  if [ ${#changed[@]} -gt 0 ]; then",
    "    printf 'pipe: %s\\n' \"${changed[@]}\" >&2",
    '    if [ ${#changed[@]} -eq 1 ]; then n="1 file"; else n="${#changed[@]} files"; fi',
    `    echo ${bashText(`pipe: ${refusalText(COUNT, "bash submit.sh --ignore-changes")}`)} >&2`,
    "    exit 2",
    "  fi",
    "fi",
    "",
  ];
}

// Markers for what bash fills in, in messages made by the functions above.
const FILE = "\u0001file\u0001";
const GOT = "\u0001got\u0001";
const WANT = "\u0001want\u0001";
const COUNT = "\u0001count\u0001";
const EXPANSIONS: Record<string, string> = { [FILE]: "$1", [GOT]: "${got:0:8}", [WANT]: "${2:0:8}", [COUNT]: "$n" };

/** A message as a double-quoted bash word: its text literal, its markers expanded. */
function bashText(text: string): string {
  let word = doubleQuote(text);
  for (const [marker, expansion] of Object.entries(EXPANSIONS)) word = word.split(marker).join(expansion);
  return word;
}
