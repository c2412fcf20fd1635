// Every command of `pipe`, its arguments and options, in the order `pipe --help` lists them.
// Registering a command loads nothing but commander: each action loads its implementation
// (`import()`) when it runs, so that `pipe check` never loads the schemas or the backends, and
// a reused plan never loads the parser. The Slurm commands are registered by their own module
// (slurm-commands.ts), which loads the Slurm backend: it is loaded only when the command line
// may name one of them (or asks for the list of commands).

import path from "node:path";
import type { Command } from "commander";
import type { Interrupts, RunFlags } from "./run-command.js";
import type { PlanCommandFlags } from "./plan-command.js";
import type { GraphFlags } from "./graph-command.js";
import type { ReportFlags } from "./report-command.js";
import type { LogsFlags } from "./history-command.js";
import type { DiffFlags } from "./diff-command.js";
import type { FmtFlags } from "./fmt-command.js";
import type { GcFlags } from "./gc-command.js";
import type { PlanFlags } from "./build-plan.js";
import type { Io } from "./io.js";
import { planOptions } from "./plan-options.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * Registers the commands on `program`; `setCode` receives each action's exit code. A command
 * line naming one of the commands registered here gets that one alone (its options, its
 * help), which is all commander reads of it; any other (no command word, `help`, a Slurm
 * command, a mistake to suggest a command for) gets every one, with the Slurm commands (their
 * module is loaded then) unless it asks only for the version.
 */
export async function registerCommands(program: Command, argv: readonly string[], io: Io, setCode: (code: number) => void): Promise<void> {
  const commands = ownCommands(io, setCode);
  const word = commandWord(argv);
  if (word !== undefined && Object.hasOwn(commands, word)) {
    commands[word]!(program.command(word));
    return;
  }
  for (const [name, register] of Object.entries(commands)) {
    register(program.command(name));
    // With no command word, the list of commands needs the Slurm ones; `pipe --version` does not.
    if (name === SLURM_AFTER && !(word === undefined && (argv.includes("-V") || argv.includes("--version")))) (await import("./slurm-commands.js")).registerSlurmCommands(program, io, setCode);
  }
}

/** The command the Slurm commands are listed after. */
const SLURM_AFTER = "history";

/** Every command registered here, by name, as `pipe --help` lists them; any other command word may be a Slurm one. */
function ownCommands(io: Io, setCode: (code: number) => void): Record<string, (c: Command) => void> {
  return {
    check: (c) =>
      c
        .description("parse and type-check a .pipe program")
        .argument("<file>", "the entry .pipe file, or - for standard input")
        .option("--json", "print diagnostics as JSON")
        .option("--stdin-filepath <path>", "with `-`: where standard input stands (imports are relative to it)")
        .action(async (file: string, opts: { json?: boolean; stdinFilepath?: string }) => {
          setCode((await import("./check-command.js")).checkCommand(file, opts, io));
        }),
    plan: (c) =>
      planOptions(c)
        .description("compile a program into its plan: what runs, what is cached, and why")
        .argument("<file>", "the entry .pipe file")
        .option("--json", "print the states and the plan as JSON")
        .option("--force <pattern>", "treat matching tasks (and so their dependents) as to run; `*` is a wildcard", collect)
        .option("--detailed-exitcode", "exit 3 when there is work to do, 0 when everything is cached")
        .option("--plan-only", "print only the plan document (JSON)")
        .action(async (file: string, opts: PlanCommandFlags) => {
          setCode(await (await import("./plan-command.js")).planCommand(file, opts, io));
        }),
    graph: (c) =>
      planOptions(c)
        .description("print the plan's task graph")
        .argument("<file>", "the entry .pipe file")
        .option("--format <format>", "dot or mermaid", "dot")
        .option("--actions", "one node per action, with its tasks counted by state")
        .option("--expand", "draw every task of a large sweep rather than one node for the sweep")
        .action(async (file: string, opts: GraphFlags) => {
          setCode(await (await import("./graph-command.js")).graphCommand(file, opts, io));
        }),
    run: (c) =>
      planOptions(c)
        .description("run a program's plan on this machine")
        .argument("<file>", "the entry .pipe file")
        .option("-j, --jobs <n>", "run at most n tasks at once (default: the cpus of pipe.config.json, or of the machine)")
        .option("--force <pattern>", "rerun matching tasks (and so their dependents); `*` is a wildcard", collect)
        .option("--keep-going", "after a failure, run everything that does not depend on it")
        .option("--quiet", "no progress: print only the outputs (and errors)")
        .option("--json", "print one JSON event per line")
        .action(async (file: string, opts: RunFlags) => {
          const { runCommand } = await import("./run-command.js");
          setCode(await withInterrupts((signals) => runCommand(file, opts, io, signals)));
        }),
    report: (c) =>
      c
        .description("write an HTML report (timeline, time and memory, failures, graph) of a local run or a Slurm bundle")
        .argument("[run]", "a run id from `pipe history`, a run's directory, or a Slurm bundle directory (default: the latest run)")
        .option("-o, --output <file>", "where to write it (default: report.html in the run's record or the bundle)")
        .option("--project <dir>", "the project directory (default: found upward from here)")
        .action(async (runArg: string | undefined, opts: ReportFlags) => {
          setCode(await (await import("./report-command.js")).reportCommand(runArg, opts, io));
        }),
    logs: (c) =>
      planOptions(c)
        .description("print a task's logs from the latest run that ran it; `pipe logs DIR TASK` for a Slurm bundle")
        .argument("<task-or-bundle>", "a task id or pattern (or a Slurm bundle directory)")
        .argument("[task]", "with a bundle directory: the task")
        .option("--run <id>", "a run id from `pipe history`")
        .option("--project <dir>", "the project directory (default: found upward from here)")
        .action(async (first: string, second: string | undefined, opts: LogsFlags) => {
          const fs = await import("node:fs");
          const bundle = path.resolve(io.cwd, first);
          if (second !== undefined && fs.existsSync(path.join(bundle, "bundle.json"))) {
            setCode((await import("./bundle-commands.js")).bundleLogsCommand(bundle, second, io));
          } else setCode(await (await import("./history-command.js")).logsCommand(second ?? first, opts, io));
        }),
    history: (c) =>
      c
        .description("list the recorded runs of a project")
        .option("--project <dir>", "the project directory (default: found upward from here)")
        .option("--json", "print JSON")
        .action(async (opts: { project?: string; json?: boolean }) => {
          setCode((await import("./history-command.js")).historyCommand(opts, io));
        }),
    diff: (c) =>
      planOptions(c)
        .description("what reruns between two versions of a workflow, and the root cause (exit 0: no changes, 3: changes, 2: error)")
        .argument("<a>", "the old version: a .pipe file, a plan JSON, or a git revision REV:path")
        .argument("<b>", "the new version, likewise")
        .option("--json", "print the differences as JSON")
        .option("--verbose", "list every task instead of grouping by cause")
        .action(async (a: string, b: string, opts: DiffFlags) => setCode(await (await import("./diff-command.js")).diffCommand(a, b, opts, io))),
    why: (c) =>
      planOptions(c)
        .description("why a task is not cached: what differs from its most recent run in the store")
        .argument("<task>", "the task id, e.g. main/prepare")
        .argument("<file>", "the entry .pipe file")
        .option("--json", "print the explanation as JSON")
        .action(async (task: string, file: string, opts: PlanFlags & { json?: boolean }) => setCode(await (await import("./why-command.js")).whyCommand(task, file, opts, io))),
    fmt: (c) =>
      c
        .description("format .pipe files: print the result, --write it in place, or --check it")
        .argument("<files...>", ".pipe files, or directories to search for them")
        .option("--check", "list the files that are not formatted; exit 1 if there are any")
        .option("--write", "rewrite the files in place")
        .option("--stdin-filepath <path>", "with `-`: the name to report standard input by")
        .action(async (files: string[], opts: FmtFlags) => setCode(await (await import("./fmt-command.js")).fmtCommand(files, opts, io))),
    find: (c) =>
      planOptions(c)
        .description("the plan's tasks matching id patterns and argument values, with their results in the store")
        .argument("<file>", "the entry .pipe file")
        .argument("[tasks...]", "task id patterns (`*` is a wildcard); all tasks when none")
        .option("--where <name=value>", "only tasks whose argument `name` equals `value`, read with the parameter's type (repeatable)", collect)
        .option("--json", "print JSON")
        .action(async (file: string, tasks: string[], opts: PlanFlags & { where?: string[] }) => setCode(await (await import("./find-command.js")).findCommand(file, tasks, opts, io))),
    outputs: (c) =>
      planOptions(c)
        .description("the entry pipeline's outputs, cached or missing; --link DIR makes a folder of links into the store per task")
        .argument("<file>", "the entry .pipe file")
        .option("--link <dir>", "make (or refresh) DIR/<binding>/<labels>/<output> links into the store")
        .option("--json", "print JSON")
        .action(async (file: string, opts: PlanFlags & { link?: string }) => setCode(await (await import("./find-command.js")).outputsCommand(file, opts, io))),
    gc: (c) =>
      planOptions(c)
        .description("delete store entries no given plan references (never what running work needs), and old run records")
        .argument("<files...>", "the .pipe programs whose results to keep")
        .option("--keep-runs <n>", "also delete each project's run records but the last n")
        .option("--dry-run", "print what would be deleted, delete nothing")
        .option("--json", "print JSON")
        .action(async (files: string[], opts: GcFlags) => setCode(await (await import("./gc-command.js")).gcCommand(files, opts, io))),
    lsp: (c) =>
      c
        .description("run the language server for editors (JSON-RPC on standard input and output)")
        .option("--stdio", "talk over standard input and output (the default and only transport)")
        .action(async () => {
          const { startServer } = await import("../lsp/server.js");
          const connection = startServer();
          // The server ends the process on the client's `exit`; until then this command runs.
          await new Promise<void>((resolve) => connection.onExit(resolve));
        }),
    init: (c) =>
      c
        .description("write a small starter project (refuses to overwrite anything)")
        .argument("[dir]", "the directory to write it in (made if missing)", ".")
        .action(async (dir: string) => setCode((await import("./init-command.js")).initCommand(path.resolve(io.cwd, dir), io))),
  };
}

/**
 * The command word of a command line as commander finds it: the first argument past pipe's
 * own options (`--color` takes the next argument unless it starts with `-`, as commander
 * reads an optional value). Undefined when there is none, or an option comes first that is
 * not one of these (`--help`, `-V`, a mistake): then every command is registered.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--debug" || a === "--no-color" || a.startsWith("--color=")) continue;
    if (a === "--color") {
      if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-")) i++;
      continue;
    }
    return a.startsWith("-") ? undefined : a;
  }
  return undefined;
}

/**
 * Ctrl-C and SIGTERM abort the run (which terminates its tasks) instead of killing pipe; a
 * second one kills the tasks at once instead of after their grace period.
 */
async function withInterrupts(body: (signals: Interrupts) => Promise<number>): Promise<number> {
  const first = new AbortController();
  const second = new AbortController();
  const onSignal = () => (first.signal.aborted ? second : first).abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body({ signal: first.signal, urgent: second.signal });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
