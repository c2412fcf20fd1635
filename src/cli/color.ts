// The one rule for colour and terminal control codes, used by every command: `--color
// always|never|auto` (or `--no-color`) first, then NO_COLOR (set and not empty: none),
// FORCE_COLOR (set and not "0": colour even off a terminal), TERM=dumb (none), and
// otherwise colour exactly when the stream is a terminal. The live progress panel moves
// the cursor, so it is drawn only where colour is allowed too.

import pc from "picocolors";
import type { Io } from "./io.js";

export type ColorChoice = "always" | "never" | "auto";

export type Colors = ReturnType<typeof pc.createColors>;

/** `--color`, `--color=WHEN`, `--color WHEN`, `--no-color`, anywhere in the arguments (the last wins). */
export function colorFlag(argv: readonly string[]): ColorChoice | string | undefined {
  let choice: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    if (a === "--no-color") choice = "never";
    else if (a.startsWith("--color=")) choice = a.slice("--color=".length);
    else if (a === "--color") choice = argv[i + 1] && !argv[i + 1]!.startsWith("-") && ["always", "never", "auto"].includes(argv[i + 1]!) ? argv[++i]! : "always";
  }
  return choice;
}

export function useColor(io: Io, stream: "out" | "err"): boolean {
  const flag = io.color;
  if (flag === "always") return true;
  if (flag === "never") return false;
  const env = io.env;
  if (env["NO_COLOR"]) return false;
  if (env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0" && env["FORCE_COLOR"] !== "false") return true;
  if (env["TERM"] === "dumb") return false;
  return stream === "out" ? io.stdoutIsTTY : io.stderrIsTTY;
}

/** picocolors' functions, painting or not by `useColor`. */
export function colors(io: Io, stream: "out" | "err"): Colors {
  return pc.createColors(useColor(io, stream));
}

/** Whether a live display (cursor movement) may be drawn on standard error. */
export function liveDisplay(io: Io): boolean {
  return io.stderrIsTTY && useColor(io, "err");
}
