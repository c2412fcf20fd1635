// What a report shows, whatever ran it: a local run's record or a Slurm bundle's jobs. Every
// task with its attempts (one bar each on the timeline), its state, and for a failure the
// error and the end of its log. Times are milliseconds since the epoch.

export type ReportState = "done" | "failed" | "cached" | "skipped" | "cancelled" | "interrupted" | "pending" | "running" | "timeout" | "out of memory";

export interface ReportAttempt {
  readonly attempt: number;
  readonly state: ReportState;
  readonly start?: number;
  readonly end?: number;
  readonly durationMs?: number;
  readonly peakRssKb?: number;
  readonly exitCode?: number;
  /** What the attempt was given: 0 when none was declared. */
  readonly memMb?: number;
  readonly timeS?: number;
  /** A Slurm job (`42` or `42_3`). */
  readonly jobId?: string;
}

export interface ReportTask {
  readonly id: string;
  readonly action: string;
  readonly deps: readonly string[];
  readonly state: ReportState;
  readonly attempts: readonly ReportAttempt[];
  /** For a failure: the line that says why, and the end of its log. */
  readonly error?: string;
  readonly logTail?: string;
}

export interface Report {
  readonly kind: "local run" | "Slurm bundle";
  /** The run id or the bundle directory. */
  readonly name: string;
  readonly file: string;
  readonly entry: string;
  readonly status?: string;
  readonly tasks: readonly ReportTask[];
  /** Where times and memory came from, e.g. "sacct" or "the job logs". */
  readonly source: string;
  readonly notes: readonly string[];
}

export const LOG_TAIL_LINES = 20;

/** The last lines of a log, and the line that best says why it failed. */
export function tailAndError(log: string): { tail: string; error: string } {
  const lines = log.replace(/\s+$/, "").split("\n");
  const tail = lines.slice(-LOG_TAIL_LINES).join("\n");
  const pipeLine = [...lines].reverse().find((l) => /^pipe: .*(exited|failed|cannot|missing|changed|not |must )/.test(l));
  const last = [...lines].reverse().find((l) => l.trim() && !l.startsWith("==> pipe: attempt"));
  return { tail, error: (pipeLine ?? last ?? "no output").slice(0, 300) };
}
