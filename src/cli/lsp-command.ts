// `pipe lsp`: the language server on standard input and output (src/lsp). Editors start it
// with `--stdio`, which is the only transport, so the flag is accepted and changes nothing.

import type { Command } from "commander";

export function registerLspCommand(program: Command): void {
  program
    .command("lsp")
    .description("run the language server for editors (JSON-RPC on standard input and output)")
    .option("--stdio", "talk over standard input and output (the default and only transport)")
    .action(async () => {
      const { startServer } = await import("../lsp/server.js");
      const connection = startServer();
      // The server ends the process on the client's `exit`; until then this command runs.
      await new Promise<void>((resolve) => connection.onExit(resolve));
    });
}
