// The sbatch script of one job: `#SBATCH` lines, then it finds its task — line i+1 of
// `jobs/NAME.tasks` for array index i (0 for a single job, or the index given by hand:
// `bash jobs/NAME.sh 17`) — reads the machine's paths from `bundle.env`, runs the config's
// setup lines and runs the task body (task-table.ts), which does all the work (store check,
// atomic commit) with the row's values. Paths are relative to the bundle directory, which
// Slurm makes the working directory because submit.sh submits from there. The task sees
// its attempt and allocation in PIPE_ATTEMPT, PIPE_CPUS, PIPE_MEM_MB and PIPE_TIME_S.
// The join job of a job with bigger retries (jobs.ts) does nothing: it only succeeds.

import { printable } from "../../printable.js";
import { CHANGED_MARK } from "../../plan/verify-inputs.js";
import type { AttemptResources } from "../../plan/resources.js";
import { tableOf, type BundleJob } from "./bundle.js";
import { FIXED_COLUMNS } from "./task-table.js";

export interface JobScriptOptions {
  readonly setup: readonly string[];
  /** Retries run in the job itself (with the same allocation). */
  readonly retries: number;
  /** What this job's attempt is given (its first, for retries in the job). */
  readonly given: AttemptResources;
}

export function jobScript(job: BundleJob, options: JobScriptOptions, body: readonly string[]): string {
  const list = tableOf(job);
  const log = job.array ? `logs/${job.name}_%A_%a.out` : `logs/${job.name}_%j.out`;
  const lines = [
    "#!/usr/bin/env bash",
    ...describe(job, list).map((l) => `# ${l}`),
    `#SBATCH --job-name=${job.name}`,
    `#SBATCH --output=${log}`,
    ...job.options.map((o) => `#SBATCH ${o}`),
    "set -euo pipefail",
    // By hand (`bash jobs/NAME.sh 17`) from anywhere: the bundle is the script's parent.
    'cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"',
    "if [ ! -f bundle.json ]; then",
    '  echo "pipe: $PWD is not the bundle directory; submit from there" >&2',
    "  exit 2",
    "fi",
    "set -a",
    "# shellcheck source=/dev/null",
    ". ./bundle.env",
    "set +a",
    ': "${PIPE_STORE:?bundle.env must set PIPE_STORE}" "${PIPE_PROJECT:?bundle.env must set PIPE_PROJECT}"',
    'index=${SLURM_ARRAY_TASK_ID:-${1:-0}}',
    `row=$(sed -n "$((index + 1)){p;q}" ${list})`,
    `[ -n "$row" ] || { echo "pipe: ${list} has no task at index $index" >&2; exit 2; }`,
    // Split at tabs by hand: \`read\` would merge empty fields.
    "field=()",
    "while [[ $row == *$'\\t'* ]]; do field+=(\"${row%%$'\\t'*}\"); row=${row#*$'\\t'}; done",
    'field+=("$row")',
    `for ((i = ${FIXED_COLUMNS}; i < \${#field[@]}; i++)); do printf -v "field[$i]" '%b' "\${field[i]}"; done`,
    'key=${field[1]} force=${field[2]} task=${field[3]}',
    `echo "pipe: task $task (${job.script} $index), job ${job.array ? "${SLURM_ARRAY_JOB_ID:-none}_$index" : "${SLURM_JOB_ID:-none}"} on $(uname -n) at $(date -u +%Y-%m-%dT%H:%M:%SZ)"`,
    ...setupBlock(options.setup),
    'if [ "$force" = 1 ]; then export PIPE_FORCE=1; fi',
    `export PIPE_ATTEMPT=${job.attempt ?? 1} PIPE_CPUS=${options.given.cpus} PIPE_MEM_MB=${options.given.memMb} PIPE_TIME_S=${options.given.timeS}`,
    ...(job.attempt ? [`echo "pipe: attempt ${job.attempt}, retrying ${job.retryOf} with --mem=$PIPE_MEM_MB M --time=$PIPE_TIME_S s"`] : []),
    "",
    "# The task: the task script of plan/script.ts, what differs between the tasks read from the row.",
    "task_body() {",
    // Not indented: a here-document in a command or in the body ends at a line of its own.
    ...body,
    "}",
    "",
    ...run(options.retries),
    "",
  ];
  return lines.join("\n");
}

/** The join of a job's attempts: submitted with `afterok:A1?afterok:A2…`, it only has to succeed. */
export function joinScript(job: BundleJob, options: readonly string[]): string {
  const join = job.join!;
  return [
    "#!/usr/bin/env bash",
    `# pipe join ${join.name}: succeeds once one attempt of ${join.attempts.join(", ")} has;`,
    "# the jobs that need their results wait on it. It does no work.",
    `#SBATCH --job-name=${join.name}`,
    `#SBATCH --output=logs/${join.name}_%j.out`,
    "#SBATCH --time=00:01:00",
    "#SBATCH --cpus-per-task=1",
    // Without it, a cluster that counts memory may give (and wait for) a whole node.
    "#SBATCH --mem=100M",
    ...options.map((o) => `#SBATCH ${o}`),
    "exit 0",
    "",
  ].join("\n");
}

function describe(job: BundleJob, list: string): string[] {
  const what = job.array
    ? [`pipe job ${job.name}: an array of ${job.tasks.length} ${job.action} tasks of ${printable(job.group)};`, `array index i runs the task on line i+1 of ${list} (index, key, forced, task id, its values).`]
    : [`pipe job ${job.name}: task ${printable(job.tasks[0]!.id)} (${job.action}), the one line of ${list}.`];
  const by = job.array ? `sbatch --array=0-${job.tasks.length - 1} ${job.script}` : `sbatch ${job.script}`;
  const one = job.array ? `bash ${job.script} INDEX` : `bash ${job.script}`;
  return [...what, "submit.sh submits it (only what is missing from the store); by hand, from", `the bundle directory: ${by}; one task, outside Slurm: ${one}`];
}

function setupBlock(setup: readonly string[]): string[] {
  if (setup.length === 0) return [];
  return [
    "# Setup from the project config (slurm.setup). Activation scripts often read unset",
    "# variables, so -u is off while it runs.",
    "set +u",
    "# shellcheck disable=SC1090,SC1091",
    "{",
    ...setup.map((l) => `  ${l}`),
    "}",
    "set -u",
  ];
}

function run(retries: number): string[] {
  if (retries === 0) return ["task_body"];
  const attempts = retries + 1;
  return [
    `attempts=${attempts}`,
    // A changed input fails every attempt alike: the task script marks that it refused.
    `export ${CHANGED_MARK}="\${TMPDIR:-/tmp}/pipe-changed.$$"`,
    `rm -f "$${CHANGED_MARK}"`,
    "for ((attempt = 1; ; attempt++)); do",
    "  PIPE_ATTEMPT=$attempt",
    // In a subshell of its own, tested afterwards: \`set -e\` in the command still applies.
    "  set +e",
    "  (task_body)",
    "  status=$?",
    "  set -e",
    `  if [ "$status" -eq 0 ] || [ -e "$${CHANGED_MARK}" ] || [ "$attempt" -ge "$attempts" ]; then`,
    `    rm -f "$${CHANGED_MARK}"`,
    '    exit "$status"',
    "  fi",
    '  echo "pipe: $task: attempt $attempt of $attempts failed (status $status); retrying" >&2',
    "done",
  ];
}
