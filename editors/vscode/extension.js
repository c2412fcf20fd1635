// The VS Code extension: starts `pipe lsp` for .pipe files and connects it with
// vscode-languageclient. Highlighting, snippets and the `pipe` problem matcher are
// contributed by package.json alone and work without the server.
const fs = require("node:fs");
const path = require("node:path");
const vscode = require("vscode");

let client;

/** The configured command, else the workspace's own node_modules/.bin/pipe, else `pipe` on the PATH. */
function pipeCommand() {
  const configured = vscode.workspace.getConfiguration("pipe").get("path");
  if (configured) return configured;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = path.join(folder.uri.fsPath, "node_modules", ".bin", "pipe");
    if (fs.existsSync(local)) return local;
  }
  return "pipe";
}

async function activate(context) {
  let languageclient;
  try {
    languageclient = require("vscode-languageclient/node");
  } catch {
    vscode.window.showWarningMessage("pipe: vscode-languageclient is missing from the extension (run `npm install` in editors/vscode before packing); highlighting and snippets still work.");
    return;
  }
  const { LanguageClient, TransportKind } = languageclient;
  const command = pipeCommand();
  // With the stdio transport the client adds `--stdio`, which `pipe lsp` accepts.
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient("pipe", "pipe language server", { run: server, debug: server }, {
    documentSelector: [{ scheme: "file", language: "pipe" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{pipe,ts,mts,py,json}") },
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
