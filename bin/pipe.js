#!/bin/sh
":" //; [ -z "${NODE_EXTRA_CA_CERTS+set}" ] || export PIPE_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// The `pipe` command: a thin shim over the compiled CLI.
//
// The file is both a shell script and a module. Run as a command, the shell line above
// starts node without NODE_EXTRA_CA_CERTS: node reads that file of certificates at every
// start-up (about 85 ms for a system bundle), and pipe opens no TLS connection to need it.
// The value is handed back below, before anything runs, so every action, script and
// `sbatch` pipe starts sees the environment unchanged. Run as `node bin/pipe.js`, the shell
// line is a string and a comment.
//
// It runs the bundled CLI (dist/bundle/, made by bin/bundle-cli.mjs: the same modules in
// fewer files) when that is at least as new as tsc's dist/cli/index.js, else dist/ itself:
// a `tsc` alone never leaves pipe running an old bundle.
import { createRequire } from "node:module";

if (process.env.PIPE_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.PIPE_NODE_EXTRA_CA_CERTS;
  delete process.env.PIPE_NODE_EXTRA_CA_CERTS;
}

// Through require: an import of node:fs would load its streams too (the module's ESM facade reads every export).
const fs = createRequire(import.meta.url)("node:fs");

const bundle = new URL("../dist/bundle/pipe.js", import.meta.url);
const bundled = fs.statSync(bundle, { throwIfNoEntry: false });
const compiled = bundled && fs.statSync(new URL("../dist/cli/index.js", import.meta.url), { throwIfNoEntry: false });
const { run } = await import(bundled && (!compiled || bundled.mtimeMs >= compiled.mtimeMs) ? bundle.href : "../dist/cli/index.js");

process.exitCode = await run(process.argv.slice(2));
