// README.md of a bundle: what is in it and how to submit, watch and cancel it, for someone
// who has the bundle and Slurm but maybe not pipe.

import type { Bundle } from "./bundle.js";

/** What the tasks run besides their commands: `python` when some are Python actions. */
export interface ReadmeFacts {
  readonly python?: boolean;
  /** What in the plan runs pipe's node programs on the compute nodes (emit.ts, `nodeNeeds`). */
  readonly node?: readonly string[];
}

/** The runner of Python actions, which the bundle does not copy: where it is read from and with which interpreter. */
const PYTHON_NOTE = [
  "## Python actions",
  "",
  "Python actions' tasks run pipe's runner, `$PIPE_HOME/python/pipe_runner.py`, and standard",
  "modules from `$PIPE_HOME/stdlib/`: they are part of the pipe installation that `bundle.env`",
  "names, not of this bundle, so the installation must be on a file system the nodes share. The",
  "interpreter is the one `python` in pipe.config.json named when the bundle was written, else the",
  "project's `.venv/bin/python` when the node sees one, else `python3` on the node's PATH (the",
  "config's `setup` lines run first: `module load`, an environment's activation). The user's modules",
  "are read from the project, and checked against the hashes of the plan like any script.",
  "",
];

export function bundleReadme(bundle: Bundle, facts: ReadmeFacts = {}): string {
  const tasks = bundle.jobs.reduce((n, j) => n + j.tasks.length, 0);
  const jobRows = bundle.jobs.map((j) => {
    const after = j.after.map((a) => `${a.type} ${a.job}`).join(", ") || "-";
    return `| ${j.name} | ${j.action} | ${j.array ? `array of ${j.tasks.length}` : "single"} | ${after} |`;
  });
  return [
    `# pipe bundle: ${bundle.file}, pipeline \`${bundle.entry}\``,
    "",
    `${tasks} tasks in ${bundle.jobs.length} Slurm jobs. Results go to the store named in \`bundle.env\``,
    "(with the project directory the commands run in): edit it if the bundle moves to another machine.",
    "The store and the project directory must be on a file system the compute nodes share.",
    ...(facts.node?.length
      ? [
          `The compute nodes also need \`node\` (20 or newer) on PATH and the pipe installation named by`,
          `\`PIPE_HOME\` in \`bundle.env\`, whose programs the tasks run for: ${facts.node.join(", ")}.`,
        ]
      : []),
    "",
    "## Submit",
    "",
    "    bash submit.sh          # or: pipe submit <this directory>",
    "",
    "Only tasks whose results are not in the store are submitted; jobs wait for their upstream jobs",
    "(`--dependency`, with `--kill-on-invalid-dep=yes`: when a task fails, the jobs that need it are",
    "cancelled instead of pending forever). Run it again after a failure: it submits only what is",
    "missing, and waits for jobs that are still queued or running instead of submitting them twice.",
    "Every submitted task is recorded in `jobs.tsv` (task, job, Slurm job id, array index); task ids",
    "there and in `jobs/NAME.tasks` have control characters escaped (`\\t`, `\\n`, `\\xHH`, `\\\\`).",
    "",
    "The tasks read their scripts and inputs from the project when they run. When one of those files",
    "changed since the bundle was written, `submit.sh` names it and submits nothing: write the bundle",
    "again, or submit anyway with `bash submit.sh --ignore-changes`; a task still refuses to run a",
    "changed file, and stores nothing.",
    "",
    ...(facts.python ? PYTHON_NOTE : []),
    "## Watch",
    "",
    "    pipe status <this directory>          # per task: pending, running, done, failed, cancelled",
    "    pipe logs <this directory> TASK_ID    # the task's log",
    "    squeue --me                           # without pipe",
    "",
    "Logs are in `logs/`: `NAME_JOBID.out` for a single job, `NAME_ARRAYJOBID_INDEX.out` for a task",
    "of a job array (index i is the task on line i+1 of `jobs/NAME.tasks`).",
    "",
    "## Cancel",
    "",
    "    pipe cancel <this directory>          # or: scancel with the job ids of jobs.tsv",
    "",
    "## Contents",
    "",
    "- `submit.sh`: submits the jobs below in this order.",
    "- `jobs/NAME.sh`: the sbatch script of a job; `jobs/NAME.tasks`: its tasks, one per array index",
    "  (task script, cache key, forced, task id).",
    "- `tasks/N.sh`: the script of one task; it exits at once when its result is in the store,",
    "  checks the files its key covers and commits its outputs to the store atomically.",
    "- `inputs.tsv`: those files, per task key (key, path, content hash, stamp name).",
    "- `plan.json`: the compiled plan; `bundle.json`: the jobs, their tasks and dependencies.",
    "",
    "| job | action | kind | after |",
    "| --- | --- | --- | --- |",
    ...jobRows,
    "",
  ].join("\n");
}
