// submit.sh: plain bash + sbatch/squeue (no node on the login node). It submits the
// bundle's jobs in dependency order with `sbatch --parsable --kill-on-invalid-dep=yes`,
// each for the tasks whose results are missing from the store (an array gets the list of
// those indices), chained on the job ids of this submit or of jobs still queued or running
// from an earlier one (one squeue call). It never depends on an old, finished job: Slurm
// counts a dependency on a purged job as satisfied, so the store is the only judge of
// what is done. Every submitted task is recorded in jobs.tsv (task, job, job id, index).
// A job's bigger retries are submitted right after it (`afternotok` on the attempts before),
// then its join (`join`), which its dependents wait on.
// Before anything is submitted it compares the files the keys of those tasks cover with the
// project, and refuses when one changed, unless given --ignore-changes.

import { append } from "../../arrays.js";
import { submitCheckLines } from "../../plan/verify-inputs.js";
import { inBash } from "../../store/index.js";
import { needsLines } from "./needs-script.js";
import { tableOf, type Bundle } from "./bundle.js";

/**
 * `extra.calls`: the lines that submit the expanding jobs (expand.ts). `extra.part`: the
 * script of a part written by an expanding job, which reads the job records of the whole
 * bundle and depends on its jobs still queued or running.
 */
export function submitScript(bundle: Bundle, throttle: number | undefined, extra: { calls?: readonly string[]; part?: boolean } = {}): string {
  const calls = bundle.jobs.flatMap((job) => {
    const deps = job.after.map((a) => `${a.type}:${a.job}`);
    const kind = job.array ? `array${throttle ? `%${throttle}` : ""}` : "single";
    const what = job.attempt ? `attempt ${job.attempt} of ${job.retryOf}, if every attempt before fails` : `${job.tasks.length} ${job.action} task${job.tasks.length > 1 ? "s" : ""}`;
    const lines = [`# ${job.name}: ${what}`, ["job", job.name, kind, tableOf(job), ...deps].join(" ")];
    const joined = job.attempt ? bundle.jobs.find((j) => j.name === job.retryOf)?.join : undefined;
    if (joined && joined.attempts[joined.attempts.length - 1] === job.name) {
      lines.push(`# ${joined.name}: done once one attempt of ${job.retryOf} is`, ["join", joined.name, ...joined.attempts].join(" "));
    }
    return lines;
  });
  const head = [...HEAD];
  const records = HEAD.findIndex((l) => l.includes("END { for (j in last)"));
  // A part reads the records of the whole bundle: its own, the bundle's, its sibling parts'.
  if (extra.part) head[records] = head[records]!.replace("< <(awk", "< <(cat ../../jobs.tsv ../*/jobs.tsv 2>/dev/null | awk").replace("' jobs.tsv)", "')");
  if (extra.calls?.length) append(head, EXPAND_FUNCTION);
  const joins = bundle.jobs.some((j) => j.join) ? JOIN : [];
  return [...head, ...joins, ...(extra.part ? PART_LINES : []), ...submitCheckLines(), ...needsLines(), ...calls, ...(extra.calls ?? []), ...TAIL].join("\n");
}

/** In a part: the bundle's other jobs still queued or running are what its jobs wait on. */
const PART_LINES = [
  "# Jobs of the bundle's other parts still queued or running: what this part's jobs wait on.",
  'for name in "${!last[@]}"; do',
  '  if [ -n "${active[${last[$name]}]:-}" ]; then jobid[$name]=${last[$name]}; fi',
  "done",
  "",
];

const HEAD = [
  "#!/usr/bin/env bash",
  "# Submits this pipe bundle to Slurm: bash submit.sh (from anywhere). Only tasks whose",
  "# results are missing from the store are submitted; jobs of an earlier submit that are",
  "# still queued or running are waited for, not submitted again. Job ids go to jobs.tsv.",
  "# It refuses when a file the tasks' keys cover changed since, unless --ignore-changes.",
  "set -euo pipefail",
  "ignore_changes=0",
  'for arg in "$@"; do',
  '  case "$arg" in',
  "    --ignore-changes) ignore_changes=1 ;;",
  '    *) echo "usage: bash submit.sh [--ignore-changes]" >&2; exit 2 ;;',
  "  esac",
  "done",
  'cd "$(dirname "${BASH_SOURCE[0]}")"',
  "set -a",
  "# shellcheck source=/dev/null",
  ". ./bundle.env",
  "set +a",
  ': "${PIPE_STORE:?bundle.env must set PIPE_STORE}"',
  ': "${PIPE_PROJECT:?bundle.env must set PIPE_PROJECT}"',
  "mkdir -p logs",
  "[ -f jobs.tsv ] || printf '# task\\tjob\\tslurm_job\\tarray_index\\n' > jobs.tsv",
  "",
  "# The last Slurm job of each job name, and which of those are still queued or running",
  "# (%F is the array job id of an array's tasks, the job id of a plain job).",
  "declare -A last=() active=() jobid=()",
  "while IFS=$'\\t' read -r name id; do last[$name]=$id; done < <(awk -F '\\t' '!/^#/ { last[$2] = $3 } END { for (j in last) print j \"\\t\" last[j] }' jobs.tsv)",
  "if [ ${#last[@]} -gt 0 ]; then",
  '  ids=$(IFS=,; echo "${last[*]}")',
  "  while read -r id state; do",
  '    case "$state" in',
  "      PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED | REQUEUE_HOLD | REQUEUE_FED | RESIZING | SIGNALING | STAGE_OUT | STOPPED) active[$id]=1 ;;",
  "    esac",
  "  done < <(squeue -h -t all -j \"$ids\" -o '%F %T' 2>/dev/null || true)",
  "fi",
  "",
  "# 0 2 3 4 7 -> 0,2-4,7",
  "ranges() {",
  '  local out="" start=$1 prev=$1 i',
  "  shift",
  '  for i in "$@" ""; do',
  '    if [ -n "$i" ] && [ "$i" -eq $((prev + 1)) ]; then prev=$i; continue; fi',
  '    if [ "$start" -eq "$prev" ]; then out+=",$start"; else out+=",$start-$prev"; fi',
  "    start=$i prev=$i",
  "  done",
  '  echo "${out#,}"',
  "}",
  "",
  "# dependencies TYPE:UPSTREAM...: sets dependency to sbatch's --dependency argument on the jobs",
  "# of this submit or still queued or running (none when there are none), after to its words.",
  "dependencies() {",
  "  local dep up deps=()",
  '  dependency="" after=""',
  '  for dep in "$@"; do',
  '    up=${jobid[${dep#*:}]:-}',
  '    if [ -n "$up" ]; then deps+=("${dep%%:*}:$up"); fi',
  "  done",
  "  if [ ${#deps[@]} -gt 0 ]; then",
  '    dependency="--dependency=$(IFS=,; echo "${deps[*]}")"',
  '    after=", after ${deps[*]}"',
  "  fi",
  "}",
  "",
  "submitted=0 tasks=0 cached=0",
  "# job NAME single|array[%N] TABLE [TYPE:UPSTREAM...]",
  "job() {",
  "  local name=$1 kind=$2 table=$3 n=0 i key force task missing=() todo=()",
  "  shift 3",
  '  while IFS=$\'\\t\' read -r _ key force task _; do',
  `    if [ "$force" = 1 ] || [ ! -f "${inBash.meta("$key")}" ]; then missing+=("$n"); todo+=("$task"); fi`,
  "    n=$((n + 1))",
  '  done < "$table"',
  "  cached=$((cached + n - ${#missing[@]}))",
  "  if [ ${#missing[@]} -eq 0 ]; then",
  '    echo "$name: in the store"',
  "    return",
  "  fi",
  '  local old=${last[$name]:-}',
  '  if [ -n "$old" ] && [ -n "${active[$old]:-}" ]; then',
  '    jobid[$name]=$old',
  '    echo "$name: still queued or running as job $old"',
  "    return",
  "  fi",
  '  local args=(--parsable --kill-on-invalid-dep=yes) id index dependency after',
  '  dependencies "$@"',
  '  if [ -n "$dependency" ]; then args+=("$dependency"); fi',
  '  case "$kind" in',
  '    array*) args+=("--array=$(ranges "${missing[@]}")${kind#array}") ;;',
  "  esac",
  '  id=$(sbatch "${args[@]}" "jobs/$name.sh") || { echo "$name: sbatch failed" >&2; exit 1; }',
  "  id=${id%%;*}",
  '  jobid[$name]=$id',
  '  for i in "${!missing[@]}"; do',
  '    if [ "$kind" = single ]; then index=-; else index=${missing[$i]}; fi',
  "    printf '%s\\t%s\\t%s\\t%s\\n' \"${todo[$i]}\" \"$name\" \"$id\" \"$index\"",
  "  done >> jobs.tsv",
  "  submitted=$((submitted + 1)) tasks=$((tasks + ${#missing[@]}))",
  '  echo "$name: submitted job $id (${#missing[@]} of $n tasks$after)"',
  "}",
  "",
];

const EXPAND_FUNCTION = [
  "# expand NAME LOOP [afterok:UPSTREAM...]: an expanding job, submitted unless one is still queued or running.",
  "expand() {",
  '  local name=$1 loop=$2 id args=(--parsable --kill-on-invalid-dep=yes) dependency after',
  "  shift 2",
  '  local old=${last[$name]:-}',
  '  if [ -n "$old" ] && [ -n "${active[$old]:-}" ]; then',
  '    echo "$name: still queued or running as job $old"',
  "    return",
  "  fi",
  '  dependencies "$@"',
  '  if [ -n "$dependency" ]; then args+=("$dependency"); fi',
  '  id=$(sbatch "${args[@]}" "jobs/$name.sh") || { echo "$name: sbatch failed" >&2; exit 1; }',
  "  id=${id%%;*}",
  '  jobid[$name]=$id',
  "  printf '%s\\t%s\\t%s\\t%s\\n' \"$loop\" \"$name\" \"$id\" - >> jobs.tsv",
  "  submitted=$((submitted + 1))",
  '  echo "$name: submitted job $id (expands a dynamic loop$after)"',
  "}",
  "",
];

// join NAME ATTEMPT... : a job that succeeds once one of the attempts submitted now has.
const JOIN = [
  "join() {",
  "  local name=$1 a id alts=()",
  "  shift",
  '  for a in "$@"; do',
  '    id=${jobid[$a]:-}',
  '    if [ -n "$id" ]; then alts+=("afterok:$id"); fi',
  "  done",
  "  [ ${#alts[@]} -gt 0 ] || return 0",
  `  id=$(sbatch --parsable --kill-on-invalid-dep=yes "--dependency=$(IFS='?'; echo "\${alts[*]}")" "jobs/$name.sh") || { echo "$name: sbatch failed" >&2; exit 1; }`,
  "  id=${id%%;*}",
  '  jobid[$name]=$id',
  "  printf '%s\\t%s\\t%s\\t%s\\n' \"(join) $name\" \"$name\" \"$id\" - >> jobs.tsv",
  '  echo "$name: submitted job $id (done once one of $* is)"',
  "}",
  "",
];

const TAIL = [
  "",
  'echo "submitted $submitted jobs ($tasks tasks); $cached tasks already in the store"',
  "",
];
