// The task script: every task compiles to one bash script, the single unit of execution for
// the local and the Slurm backends. It needs three variables from its runner — PIPE_STORE,
// PIPE_PROJECT and, for TypeScript actions, PIPE_HOME (PIPE_FORCE, PIPE_WORK and
// PIPE_COMMIT are optional) — and:
//   - exits 0 at once when its key is already in the store (unless PIPE_FORCE is set);
//   - reads upstream outputs from the store (scalars by value, files and dirs by path);
//   - runs the command from the project directory with the action's env, building the
//     outputs in a fresh directory under the store's `.tmp/`;
//   - verifies every declared output (and normalizes scalars), writes `meta.json`, and
//     renames the directory into place: a task that fails or is killed leaves no entry.

import { upstreamInputs, type Plan, type Task } from "./plan.js";
import { shellQuote } from "./values.js";

const VALIDATE: Record<string, string> = {
  Int: "^[+-]?[0-9]+$",
  Float: "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$",
  Bool: "^(true|false)$",
};

export function taskScript(plan: Plan, task: Task): string {
  const action = plan.actions[task.action]!;
  const lines: string[] = [
    "#!/usr/bin/env bash",
    `# pipe task ${oneLine(task.id)}`,
    `# action ${oneLine(task.action)}, key ${task.key}`,
    "set -uo pipefail",
    ': "${PIPE_STORE:?set PIPE_STORE to the store directory}"',
    ': "${PIPE_PROJECT:?set PIPE_PROJECT to the project directory}"',
    `task=${shellQuote(task.id)}`,
    `key=${task.key}`,
    // The command runs from the project directory: a relative store must not move with it.
    'case $PIPE_STORE in /*) ;; *) PIPE_STORE="$PWD/$PIPE_STORE" ;; esac',
    'final="$PIPE_STORE/$key"',
    'if [ -z "${PIPE_FORCE:-}" ] && [ -f "$final/meta.json" ]; then exit 0; fi',
    `fail() { printf 'pipe: %s: %s\\n' "$task" "$1" >&2; exit "\${2:-1}"; }`,
  ];

  const inputs = upstreamInputs(plan, task);
  const upstream = new Map(inputs.map((i) => [i.key, i.task]));
  for (const [key, id] of [...upstream].sort()) {
    lines.push(`[ -f "$PIPE_STORE/${key}/meta.json" ] || fail ${shellQuote(`upstream ${id} (${key}) is not in the store`)}`);
  }
  for (const input of inputs) {
    const file = `"$PIPE_STORE/${input.key}/${input.output}"`;
    lines.push(input.type === "File" || input.type === "Dir" ? `${input.var}=${file}` : slurp(input.var, file));
  }

  lines.push(
    // A runner may make the work directory itself (PIPE_WORK: fresh, empty, under `.tmp/`),
    // which saves a mkdir process per task.
    'if [ -n "${PIPE_WORK:-}" ]; then',
    '  out=$PIPE_WORK',
    '  [ -d "$out" ] || fail "PIPE_WORK is not a directory: $out"',
    "else",
    // Without -p on the last step: two runs (on two nodes of a shared store) never share one.
    '  out="$PIPE_STORE/.tmp/$key.$HOSTNAME.$BASHPID.$RANDOM"',
    '  [ -d "$PIPE_STORE/.tmp" ] || mkdir -p "$PIPE_STORE/.tmp" || fail "cannot create $PIPE_STORE/.tmp"',
    '  mkdir "$out" || fail "cannot create a work directory in $PIPE_STORE/.tmp"',
    "fi",
    "trap '[ ! -e \"$out\" ] && [ ! -e \"$out.args.json\" ] || rm -rf \"$out\" \"$out.args.json\"' EXIT",
    "trap 'exit 130' INT",
    "trap 'exit 143' TERM",
    now("started"),
    'cd "$PIPE_PROJECT" || fail "cannot enter the project directory $PIPE_PROJECT"',
  );

  if (action.kind === "ts") {
    const [module, exportName] = splitTs(action.definition);
    lines.push(
      "cat > \"$out.args.json\" <<'PIPE_ARGS'",
      JSON.stringify({ args: task.args, inputs }),
      "PIPE_ARGS",
    );
    const types = JSON.stringify(Object.fromEntries(action.outputs.map((o) => [o.name, o.type])));
    task = { ...task, command: `node "\${PIPE_HOME:?set PIPE_HOME to the pipe installation}/dist/runtime/ts-runner.js" ${shellQuote(module)} ${shellQuote(exportName)} "$out.args.json" "$out" ${shellQuote(types)}` };
  }
  lines.push("(");
  for (const [name, value] of Object.entries(action.env).sort()) lines.push(`  export ${name}=${shellQuote(value)}`);
  lines.push("  set -e", task.command, ")", "status=$?", '[ "$status" -eq 0 ] || fail "command exited with status $status" "$status"');

  for (const o of action.outputs) {
    const where = `"$out/${o.name}"`;
    const missing = shellQuote(`output ${o.name} (${o.type}) was not written: the command must create it at ~{out.${o.name}}`);
    if (o.type === "Dir") {
      lines.push(`[ -d ${where} ] || fail ${missing}`);
      continue;
    }
    lines.push(`[ -f ${where} ] || fail ${missing}`);
    const re = VALIDATE[o.type];
    if (re) {
      lines.push(
        slurp("v", where),
        `v="\${v#"\${v%%[![:space:]]*}"}"; v="\${v%"\${v##*[![:space:]]}"}"`,
        `re=${shellQuote(re)}`,
        `[[ $v =~ $re ]] || fail "output ${o.name} is not ${o.type === "Int" ? "an" : "a"} ${o.type}: $(printf '%q' "$v")"`,
        `printf '%s\\n' "$v" > ${where}`,
      );
    }
  }

  // What `pipe why` compares a later plan against: everything the key was computed from.
  const meta = JSON.stringify({
    task: task.id,
    key: task.key,
    action: task.action,
    definition: action.definition,
    definitionHash: action.definitionHash,
    args: task.args,
    files: task.files,
    upstream: Object.fromEntries([...upstream].map(([k, id]) => [id, k]).sort()),
    cache: task.cache,
  });
  lines.push(
    "{",
    // `printf` of a quoted string rather than `cat` of a here-document: no process.
    "# shellcheck disable=SC2016 # JSON: nothing in it is to be expanded",
    `printf '%s' ${shellQuote(meta.slice(0, -1) + ",")}`,
    now("ended"),
    `printf '"start":"%s","end":"%s","exitCode":0,"host":"%s"}\\n' "$started" "$ended" "$HOSTNAME"`,
    '} > "$out/meta.json" || fail "cannot write meta.json"',
    // A runner may commit the verified result itself, with the same renames (PIPE_COMMIT=runner:
    // the local backend does, which saves a process per task).
    'if [ "${PIPE_COMMIT:-}" = runner ]; then trap - EXIT; exit 0; fi',
    // A forced rerun replaces the old entry; otherwise a concurrent run may have committed the
    // same key first, and its result is as good as this one.
    'if [ -n "${PIPE_FORCE:-}" ] && [ -e "$final" ]; then',
    '  old="$PIPE_STORE/.tmp/$key.old.$BASHPID" && mv -T "$final" "$old"',
    "fi",
    'if ! mv -T "$out" "$final" 2>/dev/null; then',
    '  [ -f "$final/meta.json" ] || fail "cannot move the result into $final"',
    "fi",
    '[ -z "${old:-}" ] || rm -rf "$old"',
    "exit 0",
    "",
  );
  return lines.join("\n");
}

// Builtins only, no command substitution: a task costs as few processes as possible
// (bash, the command's subshell, mkdir unless the runner made the directory, mv), which
// matters for sweeps of small tasks.

/** Reads a file into a variable, dropping trailing newlines like `$(<file)` does. */
function slurp(variable: string, file: string): string {
  return `IFS= read -r -d '' ${variable} < ${file}; ${variable}=\${${variable}%"\${${variable}##*[!$'\\n']}"}`;
}

function now(variable: string): string {
  return `TZ=UTC0 printf -v ${variable} '%(%Y-%m-%dT%H:%M:%SZ)T' -1`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

function splitTs(definition: string): [string, string] {
  const m = /ts "([^"]*)#([^"#]*)"$/m.exec(definition);
  return [m?.[1] ?? "", m?.[2] ?? ""];
}
