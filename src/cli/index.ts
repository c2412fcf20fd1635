// The `pipe` command line: argument parsing with commander, one small module per command.
// Nothing below the CLI prints or exits; here user mistakes become exit code 2 and
// unexpected failures a one-line message (the stack only with --debug).

import fs from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { nodeFileHost } from "../host.js";
import { frontEnd } from "../phases.js";
import { Exit, processIo, type Io } from "./io.js";
import { diagnosticsJson, printDiagnostics, summary } from "./report.js";
import { planOptions, type PlanFlags } from "./build-plan.js";
import { graphCommand } from "./graph-command.js";
import { planCommand, type PlanCommandFlags } from "./plan-command.js";
import { registerSlurmCommands } from "./slurm-commands.js";
import { bundleLogsCommand } from "./bundle-commands.js";
import { registerDiffCommands } from "./diff-command.js";
import { registerFmtCommand } from "./fmt-command.js";
import { historyCommand, logsCommand, type LogsFlags } from "./history-command.js";
import { registerFindCommands } from "./find-command.js";
import { registerGcCommand } from "./gc-command.js";
import { runCommand, type Interrupts, type RunFlags } from "./run-command.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = Exit.ok;
  const program = new Command("pipe")
    .description("Typed research workflows: check, plan with compile-time cache keys, run locally or on Slurm.")
    .option("--debug", "show stack traces for internal errors")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  program
    .command("check")
    .description("parse and type-check a .pipe program")
    .argument("<file>", "the entry .pipe file")
    .option("--json", "print diagnostics as JSON")
    .action((file: string, opts: { json?: boolean }) => {
      code = checkCommand(path.resolve(io.cwd, file), opts, io);
    });

  planOptions(program.command("plan"))
    .description("compile a program into its plan: what runs, what is cached, and why")
    .argument("<file>", "the entry .pipe file")
    .option("--json", "print the states and the plan as JSON")
    .option("--force <pattern>", "treat matching tasks (and so their dependents) as to run; `*` is a wildcard", collect)
    .option("--detailed-exitcode", "exit 3 when there is work to do, 0 when everything is cached")
    .option("--plan-only", "print only the plan document (JSON)")
    .action(async (file: string, opts: PlanCommandFlags) => {
      code = await planCommand(file, opts, io);
    });

  planOptions(program.command("graph"))
    .description("print the plan's task graph")
    .argument("<file>", "the entry .pipe file")
    .option("--format <format>", "dot or mermaid", "dot")
    .action(async (file: string, opts: PlanFlags & { format?: string }) => {
      code = await graphCommand(file, opts, io);
    });

  planOptions(program.command("run"))
    .description("run a program's plan on this machine")
    .argument("<file>", "the entry .pipe file")
    .option("-j, --jobs <n>", "run at most n tasks at once (default: the cpus of pipe.config.json, or of the machine)")
    .option("--force <pattern>", "rerun matching tasks (and so their dependents); `*` is a wildcard", collect)
    .option("--keep-going", "after a failure, run everything that does not depend on it")
    .option("--quiet", "print nothing but errors")
    .option("--json", "print one JSON event per line")
    .action(async (file: string, opts: RunFlags) => {
      code = await withInterrupts((signals) => runCommand(file, opts, io, signals));
    });

  planOptions(program.command("logs"))
    .description("print a task's logs from the latest run that ran it; `pipe logs DIR TASK` for a Slurm bundle")
    .argument("<task-or-bundle>", "a task id or pattern (or a Slurm bundle directory)")
    .argument("[task]", "with a bundle directory: the task")
    .option("--run <id>", "a run id from `pipe history`")
    .option("--project <dir>", "the project directory (default: found upward from here)")
    .action(async (first: string, second: string | undefined, opts: LogsFlags) => {
      const bundle = path.resolve(io.cwd, first);
      if (second !== undefined && fs.existsSync(path.join(bundle, "bundle.json"))) {
        code = bundleLogsCommand(bundle, second, io);
      } else code = await logsCommand(second ?? first, opts, io);
    });

  program
    .command("history")
    .description("list the recorded runs of a project")
    .option("--project <dir>", "the project directory (default: found upward from here)")
    .option("--json", "print JSON")
    .action((opts: { project?: string; json?: boolean }) => {
      code = historyCommand(opts, io);
    });

  registerSlurmCommands(program, io, (c) => (code = c));
  registerDiffCommands(program, io, (c) => (code = c));
  registerFmtCommand(program, io, (c) => (code = c));
  registerFindCommands(program, io, (c) => (code = c));
  registerGcCommand(program, io, (c) => (code = c));

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? Exit.ok : Exit.invalid;
    const debug = argv.includes("--debug");
    io.err(`pipe: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (debug && error instanceof Error && error.stack) io.err(error.stack + "\n");
    else io.err("(run with --debug for details)\n");
    return Exit.failed;
  }
  return code;
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

function checkCommand(file: string, opts: { json?: boolean }, io: Io): number {
  const result = frontEnd(file, nodeFileHost);
  const failed = hasErrors(result.diagnostics);
  if (opts.json) {
    io.out(JSON.stringify({ ok: !failed, diagnostics: diagnosticsJson(io, result.diagnostics, result.sources) }, null, 2) + "\n");
  } else {
    printDiagnostics(io, result.diagnostics, result.sources);
    io.err(failed ? `check failed: ${summary(result.diagnostics)}\n` : `ok${result.diagnostics.length ? ` (${summary(result.diagnostics)})` : ""}\n`);
  }
  return failed ? Exit.invalid : Exit.ok;
}
