// What Slurm's accounting says about finished jobs: one `sacct` call for a bundle's jobs,
// with each job's (array task's) state, start, end, elapsed time, exit code and the peak
// memory of its batch step (MaxRSS). Undefined, with the reason, where accounting is off
// (`sacct` answers "Slurm accounting storage is disabled") or missing.

import type { Env } from "./queue.js";

export interface AccountedJob {
  /** `COMPLETED`, `FAILED`, `TIMEOUT`, `OUT_OF_MEMORY`, `CANCELLED`, ... (without "by UID"). */
  readonly state: string;
  readonly start?: number;
  readonly end?: number;
  readonly elapsedS?: number;
  readonly exitCode?: number;
  readonly maxRssKb?: number;
}

/** Keyed by `JOBID` or `ARRAYJOBID_INDEX`, as jobs.tsv names them. */
export async function accountedJobs(jobIds: readonly string[], env: Env): Promise<{ jobs?: Map<string, AccountedJob>; error?: string }> {
  if (jobIds.length === 0) return { jobs: new Map() };
  const { execa } = await import("execa");
  const args = ["-n", "-P", "-j", jobIds.join(","), "-o", "JobID,State,Start,End,ElapsedRaw,ExitCode,MaxRSS"];
  const result = await execa("sacct", args, { reject: false, env: env as Record<string, string> }).catch((e: Error) => ({ exitCode: 1, stdout: "", stderr: e.message, shortMessage: e.message }));
  const stderr = String(result.stderr ?? "").trim();
  if (result.exitCode !== 0 || /accounting storage is disabled/i.test(stderr)) return { error: `sacct: ${stderr || "failed"}` };
  return { jobs: parseSacct(String(result.stdout)) };
}

export function parseSacct(text: string): Map<string, AccountedJob> {
  const jobs = new Map<string, AccountedJob>();
  const rss = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [id, state, start, end, elapsed, exit, maxRss] = line.trim().split("|");
    if (!id || !state) continue;
    const dot = id.indexOf(".");
    if (dot >= 0) {
      // A step: its MaxRSS counts towards the job's peak.
      const kb = rssKb(maxRss);
      const job = id.slice(0, dot);
      if (kb !== undefined) rss.set(job, Math.max(rss.get(job) ?? 0, kb));
      continue;
    }
    const code = exit ? Number(exit.split(":")[0]) : NaN;
    jobs.set(id, {
      state: state.split(" ")[0]!,
      ...stamp("start", start),
      ...stamp("end", end),
      ...(elapsed && /^\d+$/.test(elapsed) ? { elapsedS: Number(elapsed) } : {}),
      ...(Number.isFinite(code) ? { exitCode: code } : {}),
    });
  }
  for (const [id, kb] of rss) {
    const job = jobs.get(id);
    if (job) jobs.set(id, { ...job, maxRssKb: kb });
  }
  return jobs;
}

function stamp(name: "start" | "end", value: string | undefined): { start?: number; end?: number } {
  // sacct prints local time without a zone, and `Unknown`/`None` for what has not happened.
  const t = value && /^\d{4}-\d\d-\d\dT/.test(value) ? new Date(value).getTime() : NaN;
  return Number.isFinite(t) ? { [name]: t } : {};
}

/** `45588K`, `12M`, `1.5G` → KiB. */
function rssKb(value: string | undefined): number | undefined {
  const m = value ? /^([\d.]+)([KMGT]?)$/.exec(value) : null;
  if (!m) return undefined;
  const scale = { "": 1 / 1024, K: 1, M: 1024, G: 1024 ** 2, T: 1024 ** 3 }[m[2] as "" | "K" | "M" | "G" | "T"];
  return Math.round(Number(m[1]) * scale);
}
