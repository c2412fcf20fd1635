// Shared test helpers.
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
