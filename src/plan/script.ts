// The task script: every task compiles to one bash script, the single unit of execution for
// the local and the Slurm backends. It needs three variables from its runner — PIPE_STORE,
// PIPE_PROJECT and, for TypeScript and Python actions, PIPE_HOME (PIPE_FORCE is optional) — and:
//   - exits 0 at once when its key is already in the store (unless PIPE_FORCE is set);
//   - refuses to run when a file its key covers changed since the plan (verify-inputs.ts);
//   - reads upstream outputs from the store (scalars by value, files and dirs by path);
//   - runs the command from the project directory with the action's env, building the
//     outputs in a fresh directory under the store's `.tmp/`, with a scratch directory of its
//     own beside it in `$PIPE_WORK`, removed after the task;
//   - verifies every declared output (and normalizes scalars), writes `meta.json`, and
//     renames the directory into place: a task that fails or is killed leaves no entry.
// The local backend runs a shorter form of it (`runnerScript`), its launcher runs the same
// output checks (`outputCheckScript`), and pipe writes meta.json and commits (store/commit.ts).
// What the store is — its places, the record, what a valid output is — is the store's
// (src/store/); the bash here is generated from it.

import { upstreamByKey, upstreamInputs, type Plan, type Task } from "./plan.js";
import { append } from "../arrays.js";
import { printable } from "../printable.js";
import { inDoubleQuotes, LITERAL_DIRECTIVE, literal, quotesExpansion, shellQuote } from "../shell/quote.js";
import { entryMeta, inBash, invalidOutput, META, missingOutput, outputRule, storedAs } from "../store/index.js";
import { isStructured, parseType, projectType, type StructuredInput } from "../store/structured.js";
import { REMEDY, taskCheckLines } from "./verify-inputs.js";

/** @param remedy what the message of a changed file tells the user to do (a bundle is emitted again by default). */
export function taskScript(plan: Plan, task: Task, remedy: string = REMEDY.slurm): string {
  const lines: string[] = [
    ...header(task),
    // The runner form has no use for it (the backend finds the entry).
    `key=${task.key}`,
    // The command runs from the project directory: a relative store must not move with it.
    'case $PIPE_STORE in /*) ;; *) PIPE_STORE="$PWD/$PIPE_STORE" ;; esac',
    `final="${inBash.entry("$key")}"`,
    `if [ -z "\${PIPE_FORCE:-}" ] && [ -f "$final/${META}" ]; then exit 0; fi`,
    FAIL,
    ...taskCheckLines(task, remedy),
    ...inputLines(plan, task),
    ...WORK_LINES,
    "(",
    ...commandLines(plan, task),
    ")",
    "status=$?",
    '[ "$status" -eq 0 ] || fail "command exited with status $status" "$status"',
  ];

  append(lines, outputChecks(plan, task, (message) => `fail ${message}`));
  append(lines, structuredChecks(plan, task));

  // The store's record (store/meta.ts), its run's fields, last in it, as printf's format.
  const meta = JSON.stringify(entryMeta(plan, task, { start: "%s", end: "%s", host: "%s" }));
  const run = meta.lastIndexOf(',"start":"%s"') + 1;
  lines.push(
    "{",
    // `printf` of a quoted string rather than `cat` of a here-document: no process.
    "# shellcheck disable=SC2016 # JSON: nothing in it is to be expanded",
    `printf '%s' ${shellQuote(meta.slice(0, run))}`,
    now("ended"),
    `printf '${meta.slice(run)}\\n' "$started" "$ended" "$HOSTNAME"`,
    `} > "$out/${META}" || fail "cannot write ${META}"`,
  );
  append(lines, COMMIT_LINES);
  return `${lines.join("\n")}\n`;
}

/**
 * The script as the local backend runs it: its inputs and its command, no more. The backend
 * makes the work directory (PIPE_OUT) and the command's scratch (PIPE_WORK); once the command succeeded, its launcher runs the
 * output checks of `taskScript` (`outputCheckScript`), and pipe writes meta.json and commits
 * (store/commit.ts). The command runs in the script's own shell: for a sweep of small
 * tasks, the subshell that `taskScript` needs around it was a third of the cost of a task. The
 * checks cannot follow the command here, which may `exit` or `exec`, or set its own EXIT trap.
 */
export function runnerScript(plan: Plan, task: Task, read: StructuredReader = readByNode): string {
  return [
    ...header(task),
    FAIL,
    ...inputLines(plan, task, read),
    'out="${PIPE_OUT:?set PIPE_OUT to the work directory}"',
    ': "${PIPE_WORK:?set PIPE_WORK to the scratch directory}"',
    'cd "$PIPE_PROJECT" || fail "cannot enter the project directory $PIPE_PROJECT"',
    ...commandLines(plan, task),
    "",
  ].join("\n");
}

/**
 * The checks of a task's outputs in `$out`, scalars normalized (one trimmed line), as bash:
 * the store's rules and messages (store/outputs.ts), for both forms of the script. `onFail`
 * turns a message (a quoted bash word) into what is done with it: `fail` ends the self-contained script; the local backend's launcher runs
 * the checks in its own shell (`outputCheckScript`), where failing must not exit.
 */
export function outputChecks(plan: Plan, task: Task, onFail: (message: string) => string): string[] {
  const lines: string[] = [];
  for (const o of plan.actions[task.action]!.outputs) {
    const where = `"$out/${inDoubleQuotes(storedAs(o))}"`;
    const rule = outputRule(o.type);
    lines.push(`[ ${rule.is === "dir" ? "-d" : "-f"} ${where} ] || ${onFail(shellQuote(missingOutput(o.name, o.type)))}`);
    const re = rule.pattern;
    if (re) {
      lines.push(
        slurp("v", where),
        `v="\${v#"\${v%%[![:space:]]*}"}"; v="\${v%"\${v##*[![:space:]]}"}"`,
        `re=${shellQuote(re.source)}`,
        `[[ $v =~ $re ]] || ${onFail(`"${invalidOutput(o.name, o.type, "$(printf '%q' \"$v\")")}"`)}`,
        `printf '%s\\n' "$v" > ${where}`,
      );
    }
  }
  return lines;
}

/**
 * The output checks as the local backend's launcher runs them once a task's command exited
 * 0, sourced in the launcher's own shell (no process): with the task's work directory and
 * id set, returning 1 after the first message. Empty when the action declares no outputs.
 */
export function outputCheckScript(plan: Plan, task: Task, work: string): string {
  const checks = outputChecks(plan, task, (message) => `{ fail ${message}; return 1; }`);
  if (checks.length === 0) return "";
  return [`out=${shellQuote(work)}`, `task=${shellQuote(task.id)}`, `fail() { printf 'pipe: %s: %s\\n' "$task" "$1" >&2; }`, ...checks, "return 0", ""].join("\n");
}

export const FAIL = `fail() { printf 'pipe: %s: %s\\n' "$task" "$1" >&2; exit "\${2:-1}"; }`;

function header(task: Task): string[] {
  return [
    "#!/usr/bin/env bash",
    `# pipe task ${printable(task.id)}`,
    `# action ${printable(task.action)}, key ${task.key}`,
    "set -uo pipefail",
    ': "${PIPE_STORE:?set PIPE_STORE to the store directory}"',
    ': "${PIPE_PROJECT:?set PIPE_PROJECT to the project directory}"',
    // Only messages use it: printed as an id is printed everywhere.
    ...literal(`task=${shellQuote(printable(task.id))}`),
  ];
}

/**
 * How a script gets the upstream structured values it reads (lists, records, fields of
 * them; `file` relative to the store): lines that set their variables. The self-contained
 * script reads them at run time (`readByNode`); the local backend, which writes a task's
 * script when its upstream tasks have run, reads them in-process with the same code.
 */
export type StructuredReader = (inputs: readonly StructuredInput[]) => string[];

export const TOOL = `"\${PIPE_HOME:?set PIPE_HOME to the pipe installation, to read and check structured outputs}/dist/runtime/output-tool.js"`;

export function readByNode(inputs: readonly StructuredInput[]): string[] {
  // Set before, for shellcheck, which cannot see through `eval`: an array where the command expands one.
  const declared = inputs.map((i) => `${i.var}=${isArrayRead(i) ? "()" : "''"}`).join(" ");
  return [
    declared,
    // On stdin: a fan-in's list is longer than one argument may be (128 KiB on Linux).
    `reads=$(node ${TOOL} read "$PIPE_STORE" <<'PIPE_INPUTS'`,
    JSON.stringify(inputs),
    "PIPE_INPUTS",
    ') || fail "cannot read the structured inputs (node $PIPE_HOME/dist/runtime/output-tool.js)"',
    'eval "$reads"',
  ];
}

/** Whether the value `inputAssignment` sets is a bash array: a list or an optional one (plan/expand.ts renders it so). */
function isArrayRead(input: StructuredInput): boolean {
  const type = projectType(parseType(input.type), input.fields ?? []);
  return type.kind === "List" || type.kind === "Optional";
}

/**
 * The check of the structured outputs' content (store/structured.ts), after the other
 * checks, through node: the same code and messages as the local backend's, which runs it
 * in-process (driver.ts). Nothing when the action declares none.
 */
export function structuredChecks(plan: Plan, task: Task): string[] {
  const outputs = plan.actions[task.action]!.outputs.filter((o) => isStructured(parseType(o.type)));
  if (outputs.length === 0) return [];
  const described = JSON.stringify(outputs.map((o) => ({ name: o.name, file: storedAs(o), type: o.type })));
  return [
    `problem=$(node ${TOOL} check "$out" ${shellQuote(described)})`,
    "case $? in",
    "  0) ;;",
    '  1) fail "$problem" ;;',
    '  *) fail "cannot check the structured outputs (node $PIPE_HOME/dist/runtime/output-tool.js)" ;;',
    "esac",
  ];
}

/** Checks that the upstream entries are in the store, and sets the variables of their outputs. */
function inputLines(plan: Plan, task: Task, read: StructuredReader = readByNode): string[] {
  const inputs = upstreamInputs(plan, task);
  const lines = upstreamByKey(inputs).flatMap(([key, id]) => literal(`[ -f "${inBash.meta(key)}" ] || fail ${shellQuote(`upstream ${printable(id)} (${key}) is not in the store`)}`));
  // The TypeScript and Python runners read their inputs from the store themselves (runtime/args.ts, python/pipe_runner.py).
  if (plan.actions[task.action]!.kind !== "shell") return lines;
  const structured: StructuredInput[] = [];
  for (const input of inputs) {
    const stored = input.outputType ?? input.type;
    if (input.fields || isStructured(parseType(stored))) {
      structured.push({ var: input.var, file: `${input.key}/${input.file ?? input.output}`, type: stored, ...(input.fields ? { fields: input.fields } : {}) });
      continue;
    }
    const file = `"${inBash.output(input.key, inDoubleQuotes(input.file ?? input.output))}"`;
    lines.push(input.type === "File" || input.type === "Dir" ? `${input.var}=${file}` : slurp(input.var, file));
  }
  if (structured.length > 0) append(lines, read(structured));
  return lines;
}

/** The action's environment and its command, under `set -e`; a TypeScript action's call of the runner. */
function commandLines(plan: Plan, task: Task): string[] {
  const action = plan.actions[task.action]!;
  const { argsJson, command } = actionCommand(plan, task);
  const lines: string[] = argsJson === undefined ? [] : ["cat > \"$out.args.json\" <<'PIPE_ARGS'", argsJson, "PIPE_ARGS"];
  append(lines, envLines(action));
  lines.push("set -e");
  // In a group, so that the directive covers every line of the command.
  if (quotesExpansion(command)) lines.push(LITERAL_DIRECTIVE, "{", command, "}");
  else lines.push(command);
  return lines;
}

/** The action's environment, exported before its command. */
export function envLines(action: Plan["actions"][string]): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(action.env).sort()) append(lines, literal(`export ${name}=${shellQuote(value)}`));
  return lines;
}

/**
 * What a task runs: its command, or for a TypeScript or Python action the call of pipe's
 * runner, with the arguments file the runner reads (`argsJson`, written to `$out.args.json`).
 */
export function actionCommand(plan: Plan, task: Task): { argsJson?: string; command: string } {
  const action = plan.actions[task.action]!;
  let command = task.command;
  let argsJson: string | undefined;
  if (action.ts) {
    const { module, export: exportName } = action.ts;
    argsJson = JSON.stringify({ args: task.args, inputs: upstreamInputs(plan, task) });
    const types = JSON.stringify(Object.fromEntries(action.outputs.map((o) => [o.name, o.type])));
    const named = action.outputs.filter((o) => o.file !== undefined);
    const files = named.length ? ` ${shellQuote(JSON.stringify(Object.fromEntries(named.map((o) => [o.name, o.file]))))}` : "";
    command = `node "\${PIPE_HOME:?set PIPE_HOME to the pipe installation}/dist/runtime/ts-runner.js" ${shellQuote(module)} ${shellQuote(exportName)} "$out.args.json" "$out" ${shellQuote(types)}${files}`;
  } else if (action.py) {
    argsJson = JSON.stringify({ args: task.args, inputs: upstreamInputs(plan, task) });
    // Outputs that name their file (`model: File = "model.npz"`) are stored under it.
    const named = (action.outputs as readonly { name: string; file?: string }[]).filter((o) => o.file !== undefined);
    const files = named.length ? ` ${shellQuote(JSON.stringify(Object.fromEntries(named.map((o) => [o.name, o.file]))))}` : "";
    command = pyCommand(action.py, JSON.stringify(Object.fromEntries(action.outputs.map((o) => [o.name, o.type]))), files);
  }
  return argsJson === undefined ? { command } : { argsJson, command };
}

/**
 * The call of pipe's Python runner with the configured interpreter, or else the project's
 * `.venv` when the task finds one, else `python3`. A standard module (`std/select.py`) is
 * read from the installation, like the runner.
 */
function pyCommand(py: NonNullable<Plan["actions"][string]["py"]>, types: string, files: string): string {
  const home = '"${PIPE_HOME:?set PIPE_HOME to the pipe installation}"';
  const module = py.module.startsWith("std/") ? `${home}/stdlib/${shellQuote(py.module.slice(4))}` : shellQuote(py.module);
  const call = `${home}/python/pipe_runner.py ${module} ${shellQuote(py.function)} "$out.args.json" "$out" ${shellQuote(types)}${files}`;
  if (py.python !== undefined) return `${shellQuote(py.python)} ${call}`;
  return `if [ -x .venv/bin/python ]; then pipe_python=.venv/bin/python; else pipe_python=python3; fi\n"$pipe_python" ${call}`;
}

// Builtins only, no command substitution: a task costs as few processes as possible (bash,
// the command's subshell, mkdir, mv), which matters for sweeps of small tasks.

/** Reads a file into a variable, dropping trailing newlines like `$(<file)` does (store/outputs.ts, `scalarValue`, is the same rule). */
/** The task's work and scratch directories made, removed on exit, and the project entered. */
export const WORK_LINES: readonly string[] = [
  `out="${inBash.work}"`,
  `[ -d "${inBash.tmp}" ] || mkdir -p "${inBash.tmp}" || fail "cannot create ${inBash.tmp}"`,
  `mkdir "$out" "${inBash.scratch}" || fail "cannot create a work directory in ${inBash.tmp}"`,
  `export PIPE_WORK="${inBash.scratch}"`,
  "trap 'rm -rf \"$out\" \"$out.args.json\" \"$PIPE_WORK\"' EXIT",
  "trap 'exit 130' INT",
  "trap 'exit 143' TERM",
  now("started"),
  'cd "$PIPE_PROJECT" || fail "cannot enter the project directory $PIPE_PROJECT"',
];

/**
 * The built entry renamed into place, as store/commit.ts does it. A forced rerun replaces the
 * old entry, as does a folder left without its record (damaged by hand); otherwise a
 * concurrent run may have committed the same key first, and its result is as good as this one.
 */
export const COMMIT_LINES: readonly string[] = [
  `if [ -e "$final" ] && { [ -n "\${PIPE_FORCE:-}" ] || [ ! -e "$final/${META}" ]; }; then`,
  `  old="${inBash.replaced}" && mv -T "$final" "$old"`,
  "fi",
  'if ! mv -T "$out" "$final" 2>/dev/null; then',
  `  [ -f "$final/${META}" ] || fail "cannot move the result into $final"`,
  "fi",
  '[ -z "${old:-}" ] || rm -rf "$old"',
  "exit 0",
];

export function slurp(variable: string, file: string): string {
  return `IFS= read -r -d '' ${variable} < ${file}; ${variable}=\${${variable}%"\${${variable}##*[!$'\\n']}"}`;
}

export function now(variable: string): string {
  return `TZ=UTC0 printf -v ${variable} '%(%Y-%m-%dT%H:%M:%SZ)T' -1`;
}

