// The `pipe` command line: argument parsing with commander, one small module per command
// (commands.ts lists them; each is loaded only when it runs). Nothing below the CLI prints or
// exits; here user mistakes become exit code 2 and unexpected failures a one-line message
// (the stack only with --debug).

import { Command, CommanderError } from "commander";
import { Exit, processIo, type Io } from "./io.js";
import { colorFlag, type ColorChoice } from "./color.js";
import { registerCommands } from "./commands.js";
import { packageVersion, quietOnClosedPipes } from "./process-manners.js";

export async function run(argv: readonly string[], given: Io = processIo): Promise<number> {
  let code: number = Exit.ok;
  if (given === processIo) quietOnClosedPipes();
  const choice = colorFlag(argv);
  if (choice !== undefined && !["always", "never", "auto"].includes(choice)) {
    given.err(`pipe: --color takes always, never or auto (got ${choice})\n`);
    return Exit.invalid;
  }
  const io: Io = choice ? { ...given, color: choice as ColorChoice } : given;
  const program = new Command("pipe")
    .description("Typed research workflows: check, plan with compile-time cache keys, run locally or on Slurm.")
    .version(packageVersion(), "-V, --version", "print the version of pipe")
    .option("--debug", "show stack traces for internal errors")
    .option("--color [when]", "colour: auto (on a terminal, unless NO_COLOR or TERM=dumb), always or never")
    .option("--no-color", "no colour (as --color never)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

  try {
    await registerCommands(program, argv, io, (c) => (code = c));
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
