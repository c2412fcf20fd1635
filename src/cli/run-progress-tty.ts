// The live progress panel of `pipe run` on a TTY, redrawn with log-update: counts, elapsed
// time, an ETA from the tasks done so far, and the names of running tasks; failures and
// other notable events are printed above it as plain lines.

import { createLogUpdate } from "log-update";
import type { Reporter } from "../backends/local/events.js";
import { printable } from "../printable.js";
import { clockText, plainLine } from "./run-progress.js";

/** The live panel: counts, elapsed time, an ETA from the tasks done so far, running tasks. */
export function ttyReporter(stream: NodeJS.WriteStream, clock: () => number = Date.now): Reporter {
  const logUpdate = createLogUpdate(stream);
  const started = clock();
  let total = 0;
  let toRun = 0;
  let done = 0;
  let cached = 0;
  let failed = 0;
  let skipped = 0;
  const running = new Set<string>();
  const lines: string[] = [];
  const render = () => {
    const elapsed = clock() - started;
    const left = toRun - done - failed - skipped;
    const eta = done > 0 && left > 0 ? ` · ETA ${clockText((elapsed / done) * left)}` : "";
    const width = stream.columns || 80;
    const names = [...running].slice(0, 4).map((n) => `  ▸ ${printable(n)}`.slice(0, width));
    const more = running.size > 4 ? [`  … and ${running.size - 4} more`] : [];
    const status = `${done + cached + failed + skipped}/${total} · ${done} done · ${running.size} running · ${cached} cached · ${failed} failed${skipped ? ` · ${skipped} skipped` : ""} · ${clockText(elapsed)}${eta}`;
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
          skipped++;
          lines.push(plainLine(e)!);
          break;
        case "expanded":
          total += e.tasks;
          toRun += e.toRun;
          lines.push(plainLine(e)!);
          break;
        case "expansion-failed":
          failed++;
          lines.push(plainLine(e)!);
          break;
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

