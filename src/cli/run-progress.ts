// Progress displays for `pipe run`, from the events the local backend reports: one plain
// line per event off a TTY, JSON lines with `--json`, nothing with `--quiet`. The live
// panel of a TTY is in run-progress-tty.ts, loaded only on a TTY (log-update and its
// dependencies take tens of milliseconds to load).

import type { Reporter, RunEvent } from "../backends/local/events.js";
import { printable } from "../printable.js";

export function jsonReporter(write: (line: string) => void, clock: () => number = Date.now): Reporter {
  return { event: (e) => write(JSON.stringify({ ...e, time: new Date(clock()).toISOString() }) + "\n"), close: () => {} };
}

export function quietReporter(): Reporter {
  return { event: () => {}, ignoresCached: true, close: () => {} };
}

export function plainReporter(write: (line: string) => void): Reporter {
  return {
    event(e) {
      const line = plainLine(e);
      if (line) write(line + "\n");
    },
    ignoresCached: true,
    close() {},
  };
}

export function plainLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case "plan":
      return `${e.total} tasks: ${e.toRun} to run, ${e.cached} cached`;
    case "start":
      return `start    ${printable(e.task)}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
    case "done":
      return `done     ${printable(e.task)} (${seconds(e.ms)})`;
    case "cached":
      return undefined;
    case "failed":
      return `failed   ${printable(e.task)} (exit ${e.exitCode ?? "signal"})${e.retrying ? ", retrying" : ""}`;
    case "waiting":
      return `waiting  ${printable(e.task)}: the same key is being computed by ${e.holder}`;
    case "skipped":
      return `skipped  ${printable(e.task)}: upstream ${printable(e.because)} failed`;
    case "expanded":
      return `expanded ${printable(e.loop)}: ${e.tasks} ${e.tasks === 1 ? "task" : "tasks"}, ${e.toRun} to run`;
    case "expansion-failed":
      return `failed   ${printable(e.loop)}: ${e.message}`;
    case "stopping":
      if (e.reason === "kill") return "interrupted again: killing running tasks";
      return e.reason === "interrupt" ? "interrupted: terminating running tasks" : "stopping after a failure: terminating running tasks (use --keep-going to continue)";
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : clockText(ms);
}

export function clockText(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
