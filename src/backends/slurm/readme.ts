// README.md of a bundle: what is in it and how to submit, watch and cancel it, for someone
// who has the bundle and Slurm but maybe not pipe.

import type { Bundle } from "./bundle.js";
import { printable } from "../../printable.js";

/** What the tasks run besides their commands: `python` when some are Python actions. */
export interface ReadmeFacts {
  readonly python?: boolean;
  /** What in the plan runs pipe's node programs on the compute nodes (emit.ts, `nodeNeeds`). */
  readonly nodeNeeds?: readonly string[];
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
    ...(facts.nodeNeeds?.length
      ? [
          `The compute nodes also need \`node\` (20 or newer) on PATH and the pipe installation named by`,
          `\`PIPE_HOME\` in \`bundle.env\`, whose programs the tasks run for: ${facts.nodeNeeds.join(", ")}.`,
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
    ...(bundle.expands?.length ? dynamicSection(bundle) : []),
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
    "## One task by hand",
    "",
    "    grep -n 'TASK_ID' jobs/*.tasks             # its job, and its index (the first column)",
    "    bash jobs/NAME.sh INDEX                     # runs it here, outside Slurm",
    "",
    "It runs as in its job (`bundle.env` gives the store and the project), checks every file its key",
    "covers, and exits at once when its result is in the store (`PIPE_FORCE=1` runs it anyway).",
    "",
    "## Cancel",
    "",
    "    pipe cancel <this directory>          # or: scancel with the job ids of jobs.tsv",
    "",
    "## Contents",
    "",
    "- `submit.sh`: submits the jobs below in this order.",
    "- `jobs/NAME.sh`: the sbatch script of a job, with its tasks' script (`task_body`) written once:",
    "  it exits at once when the task's result is in the store, checks the files its key covers and",
    "  commits its outputs to the store atomically. What differs between the tasks is in",
    "  `jobs/NAME.tasks`, one line per array index: index, cache key, forced, task id, then the",
    "  task's values (`field[4]`, `field[5]`, ... in the script), with `\\`, tabs, newlines and",
    "  control characters escaped as `printf %b` reads them. A task with many upstream inputs lists",
    "  them in `jobs/NAME.inputs`.",
    "- `inputs.tsv`: the files the keys cover, by job table: table, row (`*` for a file all its",
    "  rows share), path, content hash, stamp name.",
    "- `plan.json.gz`: the compiled plan (`zcat plan.json.gz`); `bundle.json`: the jobs, the count",
    "  and digest of their tables, and their dependencies.",
    "",
    "| job | action | kind | after |",
    "| --- | --- | --- | --- |",
    ...jobRows,
    "",
  ].join("\n");
}

/** What a bundle with dynamic loops adds: its expanding jobs, and what they need on the nodes. */
function dynamicSection(bundle: Bundle): string[] {
  return [
    "## Dynamic loops",
    "",
    `${bundle.expands!.length} loop${bundle.expands!.length === 1 ? " runs" : "s run"} over a list known only once an upstream task has run (${bundle.expands!.map((e) => `\`${printable(e.loop)}\``).join(", ")}).`,
    "For each, `submit.sh` submits an expanding job (`jobs/expand-*.sh`) that waits (`afterok`) on the",
    "jobs of that task, then runs `node $PIPE_HOME/bin/pipe.js expand-bundle`: it plans the program",
    "again from `replan.json` (the program's `.pipe` sources as they were when the bundle was written,",
    "the entry pipeline and its parameters, the Slurm config), reads the list from the store, writes",
    "the loop's tasks and what depends on them as a part of this bundle in `expand/NAME/` (jobs, their",
    "scripts, its own `submit.sh` and `jobs.tsv`), and runs that `submit.sh`: the loop's tasks as one",
    "job array, their dependents after them, with `afterok` and `--kill-on-invalid-dep=yes` on this",
    "bundle's jobs still queued or running; a loop nested in it gets an expanding job of its own there.",
    "Its log is `logs/expand-*_JOBID.out`. The expanding job refuses (and submits nothing) when a task",
    "of the bundle would get another key: a file the keys cover changed since; emit the bundle again.",
    "",
    "The compute node that runs an expanding job needs `node` (20 or newer) on PATH, the pipe",
    "installation named by `PIPE_HOME` in `bundle.env` (with its `node_modules`), the project",
    "directory (its inputs and `uses` files are hashed as the tasks' keys are) and the store. Run",
    "`submit.sh` again after a failure: the expanding jobs are submitted again and submit only what",
    "is missing from the store.",
    "",
  ];
}
