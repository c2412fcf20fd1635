// Shared test helpers.
import fs from "node:fs";
import path from "node:path";
import type { Io } from "../src/cli/io.js";

export function recordingIo(cwd: string, env: Record<string, string | undefined> = {}): Io & { stdout(): string; stderr(): string } {
  let out = "";
  let err = "";
  return {
    cwd,
    env,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    stdout: () => out,
    stderr: () => err,
  };
}

/** Every `.pipe` file under `dir`, sorted; directories named `.pipe` are stores and skipped. */
export function pipeFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== ".pipe") found.push(...pipeFilesUnder(full));
    else if (entry.isFile() && entry.name.endsWith(".pipe")) found.push(full);
  }
  return found.sort();
}
