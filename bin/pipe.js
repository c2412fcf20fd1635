#!/usr/bin/env node
// The `pipe` command: a thin shim over the compiled CLI.
import { run } from "../dist/cli/index.js";

process.exitCode = await run(process.argv.slice(2));
