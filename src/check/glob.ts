// `glob("data/*.csv")`: the project's files matching a pattern, found at compile time.
// The pattern is relative to the `.pipe` file that writes it and must stay inside the
// project. Segments match as in a shell: `*` and `?` within one name, `[a-z]` and `[!x]`
// classes, `{a,b}` alternatives, `**` any number of directories. A wildcard does not match
// a leading `.`, so hidden files and directories (`.git`, `.pipe`) are left out unless the
// pattern names the dot. Never searched: the project's `.pipe/` directory and any store
// (a directory holding `.locks`), whose entries are outputs, not project files. `**` does not
// descend into a symbolic link to a directory (a link back up would never end); a link to
// a file is a file. Only regular files match: a directory, a FIFO or a device never does.
//
// The matcher is written here rather than taken from picomatch (present only as another
// package's dependency) or `path.matchesGlob` (experimental in Node 20, it prints a warning):
// the walk must decide what it visits, and a segment's rule is a few lines.

import path from "node:path";
import type { DirEntry, FileHost } from "../host.js";
import { LOCKS } from "../store/layout.js";

export type GlobResult =
  | { readonly ok: true; readonly files: readonly string[] }
  | { readonly ok: false; readonly problem: "outside" | "invalid"; readonly reason: string };

type Segment = { readonly kind: "literal"; readonly name: string } | { readonly kind: "pattern"; readonly regex: RegExp; readonly dot: boolean } | { readonly kind: "globstar" };

/** Absolute paths of the matching files, sorted by their project-relative path. */
export function glob(pattern: string, dir: string, projectDir: string, host: FileHost): GlobResult {
  if (pattern === "") return { ok: false, problem: "invalid", reason: "the pattern is empty" };
  if (pattern.includes("\\")) return { ok: false, problem: "invalid", reason: "`\\` is not a path separator here; write `/`" };
  const resolved = path.resolve(dir, pattern);
  const relative = path.relative(projectDir, resolved);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
    return { ok: false, problem: "outside", reason: relative === "" ? "it names the project directory itself" : "it names files outside the project directory" };
  }
  const segments: Segment[] = [];
  for (const name of relative.split(path.sep)) {
    const segment = compileSegment(name);
    if (typeof segment === "string") return { ok: false, problem: "invalid", reason: segment };
    if (segment.kind === "globstar" && segments.at(-1)?.kind === "globstar") continue;
    segments.push(segment);
  }
  const found = new Set<string>();
  walk(projectDir, segments, 0, projectDir, host, found, new Set());
  // Every path found starts with the project directory: sorting the full paths is sorting
  // the project-relative ones, in code-unit order.
  const files = [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ok: true, files };
}

function walk(dir: string, segments: readonly Segment[], at: number, projectDir: string, host: FileHost, found: Set<string>, seen: Set<string>): void {
  const segment = segments[at];
  if (!segment) return;
  const last = at === segments.length - 1;
  // `**` then the rest, at this level and at every level below: visit each (dir, at) once.
  const visit = `${at}\0${dir}`;
  if (seen.has(visit)) return;
  seen.add(visit);
  if (segment.kind === "globstar") {
    if (last) return walkAll(dir, projectDir, host, found);
    walk(dir, segments, at + 1, projectDir, host, found, seen);
    for (const entry of listDir(dir, projectDir, host)) {
      if (entry.kind === "dir" && !entry.link && !entry.name.startsWith(".")) walk(path.join(dir, entry.name), segments, at, projectDir, host, found, seen);
    }
    return;
  }
  if (segment.kind === "literal") {
    const full = path.join(dir, segment.name);
    const kind = host.kind(full);
    if (last) {
      if (kind === "file") found.add(full);
    } else if (kind === "dir" && !excluded(full, projectDir, host)) walk(full, segments, at + 1, projectDir, host, found, seen);
    return;
  }
  for (const entry of listDir(dir, projectDir, host)) {
    if (entry.name.startsWith(".") && !segment.dot) continue;
    if (!segment.regex.test(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (last) {
      if (entry.kind === "file") found.add(full);
    } else if (entry.kind === "dir" && !excluded(full, projectDir, host)) walk(full, segments, at + 1, projectDir, host, found, seen);
  }
}

/** `dir/**`: every file below, not in hidden directories and not through links to directories. */
function walkAll(dir: string, projectDir: string, host: FileHost, found: Set<string>): void {
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    for (const entry of listDir(current, projectDir, host)) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(current, entry.name);
      if (entry.kind === "file") found.add(full);
      else if (entry.kind === "dir" && !entry.link && !excluded(full, projectDir, host)) stack.push(full);
    }
  }
}

function listDir(dir: string, projectDir: string, host: FileHost): readonly DirEntry[] {
  if (excluded(dir, projectDir, host)) return [];
  return host.readDir?.(dir) ?? [];
}

/** The project's `.pipe/` and any store: their entries are results, not the project's files. */
function excluded(dir: string, projectDir: string, host: FileHost): boolean {
  return dir === path.join(projectDir, ".pipe") || host.kind(path.join(dir, LOCKS)) === "dir";
}

/** A segment's matcher, or why it is not a valid pattern. */
function compileSegment(name: string): Segment | string {
  if (name === "**") return { kind: "globstar" };
  if (!/[*?[{]/.test(name)) return { kind: "literal", name };
  if (name.includes("**")) return "`**` must be a whole path segment, as in `data/**/*.csv`";
  let regex = "";
  let braces = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === "*") regex += "[^/]*";
    else if (c === "?") regex += "[^/]";
    else if (c === "[") {
      const close = name.indexOf("]", i + 2);
      if (close < 0) return `\`[\` in "${name}" is not closed`;
      let body = name.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      regex += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else if (c === "{") {
      braces++;
      regex += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      regex += ")";
    } else if (c === "," && braces > 0) regex += "|";
    else regex += c.replace(/[.+^$()|\\\]}]/g, (m) => `\\${m}`);
  }
  if (braces > 0) return `\`{\` in "${name}" is not closed`;
  try {
    return { kind: "pattern", regex: new RegExp(`^${regex}$`, "u"), dot: name.startsWith(".") };
  } catch {
    return `"${name}" is not a valid pattern`;
  }
}
