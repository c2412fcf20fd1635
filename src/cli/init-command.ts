// `pipe init [DIR]`: a small starter project that runs at once — a program with a sweep and a
// fan-in, the script it uses, two inputs, pipe.config.json and a .gitignore for `.pipe/`.
// It never overwrites: when any of its files exists, it names them and writes nothing.

import fs from "node:fs";
import path from "node:path";
import { Exit, type Io } from "./io.js";

const files: Record<string, string> = {
  "main.pipe": `# A starter pipeline: count the words of each text, one task per text, then add them up.
#
#   pipe run main.pipe                                  # runs three tasks; run again: all cached
#   pipe plan main.pipe -p 'texts=["data/a.txt"]'     # what a change would rerun

action count_words(text: File) -> (words: Int) {
  uses "scripts/count-words.sh" # its content is part of the cache key
  shell "bash scripts/count-words.sh ~{text} > ~{out.words}"
}

action total(counts: List[Int]) -> (sum: Int) {
  shell "printf '%s\\n' ~{counts} | awk '{ s += $1 } END { print s + 0 }' > ~{out.sum}"
}

pipeline main(texts: List[File] = ["data/a.txt", "data/b.txt"]) -> (words: Int) {
  let counts = for text in texts { count_words(text = text) }
  let all = total(counts = counts.words)
  return (words = all.sum)
}
`,
  "scripts/count-words.sh": `#!/usr/bin/env bash
# Prints the number of words in the file given.
set -euo pipefail
wc -w < "$1" | tr -d ' '
`,
  "data/a.txt": "the quick brown fox\n",
  "data/b.txt": "jumps over the lazy dog\n",
  "pipe.config.json": `{
  "store": ".pipe/store"
}
`,
  ".gitignore": ".pipe/\n",
};

export function initCommand(dir: string, io: Io): number {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    io.err(`pipe init: ${dir} is not a directory\n`);
    return Exit.invalid;
  }
  const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
  if (existing.length) {
    io.err(`pipe init: not overwriting ${existing.map((f) => path.join(path.relative(io.cwd, dir) || ".", f)).join(", ")}; nothing written\n`);
    return Exit.invalid;
  }
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { flag: "wx", mode: name.endsWith(".sh") ? 0o755 : 0o644 });
  }
  const relative = path.relative(io.cwd, dir) || ".";
  const shown = relative.startsWith("..") ? dir : relative;
  io.err(`wrote a starter project in ${shown}: ${Object.keys(files).join(", ")}\n`);
  io.err(`next: ${shown === "." ? "" : `cd ${shown.includes(" ") ? JSON.stringify(shown) : shown} && `}pipe run main.pipe\n`);
  return Exit.ok;
}
