// The commands the README and the language reference show are safe to paste: no word of
// them is a glob (`-p lrs=[0.1,0.05]` is one to zsh, and an error with bash's failglob), so
// each expands to itself. Every command of a `sh` block and every inline one with `-p` is
// expanded by bash with failglob, in an empty directory, through `printf` (nothing runs).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

function commands(markdown: string): string[] {
  const found: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split("\n")) if (line.trim()) found.push(line.replace(/\s+#\s.*$/, ""));
  }
  for (const inline of markdown.matchAll(/`((?:npx )?pipe [^`]* -p [^`]*)`/g)) found.push(inline[1]!.replace(/\s+/g, " "));
  return found.flatMap((c) => c.split(/&&|\|\||[|;]/)).map((c) => c.trim()).filter(Boolean);
}

describe("commands shown to users", () => {
  for (const doc of ["README.md", "docs/language.md", "editors/vscode/README.md"]) {
    it(`${doc}: expand to themselves, with no glob`, () => {
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-paste-"));
      const list = commands(fs.readFileSync(path.join(root, doc), "utf8"));
      expect(list.length).toBeGreaterThan(0);
      for (const c of list) {
        let failure = "";
        try {
          execFileSync("bash", ["-O", "failglob", "-c", `printf '%s\\n' ${c}`], { cwd: empty, encoding: "utf8", stdio: "pipe" });
        } catch (error) {
          failure = (error as { stderr: string }).stderr;
        }
        expect(failure, c).toBe("");
      }
      fs.rmSync(empty, { recursive: true });
    });
  }

  it("the check catches an unquoted list", () => {
    expect(() => execFileSync("bash", ["-O", "failglob", "-c", "printf '%s\\n' pipe plan x.pipe -p lrs=[0.1,0.05]"], { cwd: os.tmpdir(), stdio: "pipe" })).toThrow();
  });
});
