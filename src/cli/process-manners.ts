// What the process owes its surroundings: the version it reports, and a quiet exit when
// the reader of its output goes away (`pipe history | head -1`): the rest of the output has
// nowhere to go, which is not an error of pipe's.

import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "../host.js";

export function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

let guarded = false;

/** A closed standard output or error ends the process with 0, without a trace. */
export function quietOnClosedPipes(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
  }
}
