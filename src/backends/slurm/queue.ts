// What Slurm says about a bundle's jobs: one `squeue` call for all of them (never one per
// task), and `scancel`. Facts relied on (Slurm 22.05, see test/slurm/README.md): finished
// jobs show only with `-t all`, and only for MinJobAge; unknown ids in a list are dropped
// silently, while a single unknown id is an error; with `-r` there is one line per array
// task, and `%i` names it `ARRAYJOBID_INDEX` (its own job id, `%A`, differs once Slurm
// has split the array).

export interface QueueEntry {
  /** `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, ... */
  readonly state: string;
  readonly reason: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export const ACTIVE_STATES = new Set(["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED"]);

/** Keyed by `JOBID` or `ARRAYJOBID_INDEX`. */
export async function queueStates(jobIds: readonly string[], env: Env): Promise<{ states: Map<string, QueueEntry>; error?: string }> {
  const states = new Map<string, QueueEntry>();
  if (jobIds.length === 0) return { states };
  // Loaded on first use, not with the CLI: execa is a third of the start-up of every command.
  const { execa } = await import("execa");
  const result = await execa("squeue", ["-h", "-r", "-t", "all", "-j", jobIds.join(","), "-o", "%i|%T|%r"], { reject: false, env: env as Record<string, string> });
  if (result.exitCode !== 0) {
    const stderr = String(result.stderr ?? "");
    if (jobIds.length === 1 && /Invalid job id/i.test(stderr)) return { states };
    return { states, error: `squeue failed: ${stderr.trim() || result.shortMessage}` };
  }
  for (const line of String(result.stdout).split("\n")) {
    const [id, state, reason] = line.trim().split("|");
    if (id && state) states.set(id, { state, reason: reason ?? "" });
  }
  return { states };
}

export async function cancelJobs(jobIds: readonly string[], env: Env): Promise<{ error?: string }> {
  if (jobIds.length === 0) return {};
  const { execa } = await import("execa");
  const result = await execa("scancel", [...jobIds], { reject: false, env: env as Record<string, string> });
  return result.exitCode === 0 ? {} : { error: `scancel failed: ${String(result.stderr ?? "").trim() || result.shortMessage}` };
}
