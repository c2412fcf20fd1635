// Progress displays for `pipe run`: a live panel on a TTY (redrawn with log-update), one
// plain line per event elsewhere, JSON lines with `--json`, nothing with `--quiet`.

import { createLogUpdate } from "log-update";
import type { Reporter, RunEvent } from "./events.js";

export function jsonReporter(write: (line: string) => void, clock: () => number = Date.now): Reporter {
  return { event: (e) => write(JSON.stringify({ ...e, time: new Date(clock()).toISOString() }) + "\n"), close: () => {} };
}

export function quietReporter(): Reporter {
  return { event: () => {}, close: () => {} };
}

export function plainReporter(write: (line: string) => void): Reporter {
  return {
    event(e) {
      const line = plainLine(e);
      if (line) write(line + "\n");
    },
    close() {},
  };
}

function plainLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case "plan":
      return `${e.total} tasks: ${e.toRun} to run, ${e.cached} cached`;
    case "start":
      return `start    ${e.task}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
    case "done":
      return `done     ${e.task} (${seconds(e.ms)})`;
    case "cached":
      return undefined;
    case "failed":
      return `failed   ${e.task} (exit ${e.exitCode ?? "signal"})${e.retrying ? ", retrying" : ""}`;
    case "waiting":
      return `waiting  ${e.task}: the same key is being computed by ${e.holder}`;
    case "skipped":
      return `skipped  ${e.task}: upstream ${e.because} failed`;
    case "stopping":
      return e.reason === "interrupt" ? "interrupted: terminating running tasks" : "stopping after a failure: terminating running tasks (use --keep-going to continue)";
  }
}

/** The live panel: counts, elapsed time, an ETA from the tasks done so far, running tasks. */
export function ttyReporter(stream: NodeJS.WriteStream, clock: () => number = Date.now): Reporter {
  const logUpdate = createLogUpdate(stream);
  const started = clock();
  let total = 0;
  let toRun = 0;
  let done = 0;
  let cached = 0;
  let failed = 0;
  const running = new Set<string>();
  const lines: string[] = [];
  const render = () => {
    const elapsed = clock() - started;
    const eta = done > 0 && toRun > done ? ` · ETA ${clockText((elapsed / done) * (toRun - done - failed))}` : "";
    const width = stream.columns || 80;
    const names = [...running].slice(0, 4).map((n) => `  ▸ ${n}`.slice(0, width));
    const more = running.size > 4 ? [`  … and ${running.size - 4} more`] : [];
    const status = `${done + cached + failed}/${total} · ${done} done · ${running.size} running · ${cached} cached · ${failed} failed · ${clockText(elapsed)}${eta}`;
    logUpdate([...names, ...more, status].join("\n"));
  };
  const timer = setInterval(render, 100);
  timer.unref();
  return {
    event(e) {
      switch (e.type) {
        case "plan":
          ({ total, toRun } = e);
          break;
        case "start":
          running.add(e.task);
          break;
        case "done":
          running.delete(e.task);
          done++;
          break;
        case "cached":
          cached++;
          break;
        case "failed":
          running.delete(e.task);
          if (!e.retrying) failed++;
          lines.push(plainLine(e)!);
          break;
        case "skipped":
        case "waiting":
        case "stopping":
          lines.push(plainLine(e)!);
          break;
      }
      if (lines.length) {
        logUpdate.clear();
        stream.write(lines.splice(0).join("\n") + "\n");
      }
    },
    close() {
      clearInterval(timer);
      render();
      logUpdate.done();
    },
  };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : clockText(ms);
}

function clockText(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
