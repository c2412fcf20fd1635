// What the commands need from the process: output streams, the working directory and the
// environment. Tests pass a recording `Io`; `bin/pipe.js` passes the real one.

import fs from "node:fs";
import { jsonChunks } from "../json-chunks.js";

export interface Io {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** `--color` as given (see color.ts); absent means auto. */
  readonly color?: "always" | "never" | "auto";
  /** All of standard input (`-` for a file); absent in tests that give none. */
  readonly readStdin?: () => string;
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  cwd: process.cwd(),
  env: process.env,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  readStdin: () => fs.readFileSync(0, "utf8"),
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/**
 * The text of `JSON.stringify(value, null, 1)` and a newline, written in pieces: a plan, or
 * a list of its tasks, at the task limit comes near the longest string.
 */
export function writeJson(io: Io, value: unknown): void {
  for (const piece of jsonChunks(value)) io.out(piece);
  io.out("\n");
}

/** Exit codes, as documented in the README. */
export const Exit = {
  ok: 0,
  failed: 1,
  invalid: 2,
  /** `pipe plan` / `pipe diff`: the plan has work to do, or the two plans differ. */
  changes: 3,
} as const;
