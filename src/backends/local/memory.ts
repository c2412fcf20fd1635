// Peak memory of running tasks, sampled from /proc: the resident set of every process in
// a task's process group, summed. Node cannot see its children's rusage, and a wrapper
// such as GNU time would cost a process per task; sampling costs one /proc scan a tick.

import fs from "node:fs";

export class MemorySampler {
  private readonly peaks = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly pageKb = 4;

  constructor(private readonly intervalMs = 200) {}

  track(pgid: number): void {
    this.peaks.set(pgid, this.peaks.get(pgid) ?? -1);
    this.timer ??= setInterval(() => this.sample(), this.intervalMs).unref();
  }

  /** Stops tracking a group; returns its peak in KiB, or null if it was never seen running. */
  untrack(pgid: number): number | null {
    const peak = this.peaks.get(pgid) ?? -1;
    this.peaks.delete(pgid);
    if (this.peaks.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    return peak < 0 ? null : peak;
  }

  private sample(): void {
    let pids: string[];
    try {
      pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    const totals = new Map<number, number>();
    for (const pid of pids) {
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      // Fields after the parenthesised command: state ppid pgrp ... rss is field 24.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const pgrp = Number(fields[2]);
      // A zombie has no memory left: counting it would record a peak of 0.
      if (!this.peaks.has(pgrp) || fields[0] === "Z") continue;
      totals.set(pgrp, (totals.get(pgrp) ?? 0) + Number(fields[21]) * this.pageKb);
    }
    for (const [pgrp, kb] of totals) this.peaks.set(pgrp, Math.max(this.peaks.get(pgrp) ?? -1, kb));
  }
}
