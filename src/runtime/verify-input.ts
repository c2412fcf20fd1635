// The program a task script runs to check a directory input (plan/verify-inputs.ts):
//
//   node <pipe>/dist/runtime/verify-input.js <path>
//
// prints the content hash of <path> as the compile computes it (plan/content-hash.ts: a
// directory's hash is not something bash can reproduce), reading the stat cache of the
// project in PIPE_PROJECT, when set, without writing it. Exit status 1 when <path> cannot be
// hashed (one line on stderr), 2 when invoked wrongly.

import { ContentHasher } from "../plan/content-hash.js";
import { projectHasher } from "../plan/verify-inputs.js";

const [file, ...rest] = process.argv.slice(2);
if (!file || rest.length) {
  process.stderr.write("usage: verify-input.js <path>\n");
  process.exit(2);
}
const project = process.env["PIPE_PROJECT"];
const hasher = project ? projectHasher(project) : new ContentHasher();
hasher.hash(file).then(
  (hash) => process.stdout.write(`${hash}\n`),
  (error: Error) => {
    process.stderr.write(`pipe: cannot hash ${file}: ${error.message}\n`);
    process.exitCode = 1;
  },
);
