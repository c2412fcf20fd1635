// The VS Code extension packs with @vscode/vsce (as CI packs it), carries the repository's
// grammar and language configuration, snippets that parse, and a problem matcher whose
// pattern reads the lines `pipe check` prints.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const ext = path.join(root, "editors", "vscode");
const manifest = JSON.parse(fs.readFileSync(path.join(ext, "package.json"), "utf8"));

describe("editors/vscode", () => {
  it("packs into a .vsix with the grammar, the language configuration and the snippets", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pipe-vsix-")), "pipe.vsix");
    // --no-dependencies: vscode-languageclient is fetched by `npm install` in the folder, not here.
    await exec(path.join(root, "node_modules", ".bin", "vsce"), ["package", "--no-dependencies", "-o", out], { cwd: ext, timeout: 120_000 });
    const { stdout } = await exec("unzip", ["-l", out]);
    for (const f of ["extension/package.json", "extension/extension.js", "extension/syntaxes/pipe.tmLanguage.json", "extension/language-configuration.json", "extension/snippets/pipe.json", "extension/readme.md", "extension/LICENSE.txt"]) {
      expect(stdout, f).toContain(f);
    }
    const { stdout: grammar } = await exec("unzip", ["-p", out, "extension/syntaxes/pipe.tmLanguage.json"]);
    expect(grammar).toBe(fs.readFileSync(path.join(root, "grammar", "pipe.tmLanguage.json"), "utf8"));
    fs.rmSync(path.dirname(out), { recursive: true });
  });

  it("declares the language client it requires, and the language, grammar and snippets", () => {
    expect(manifest.dependencies).toHaveProperty("vscode-languageclient");
    expect(fs.readFileSync(path.join(ext, "extension.js"), "utf8")).toContain('require("vscode-languageclient/node")');
    expect(manifest.contributes.languages[0]).toMatchObject({ id: "pipe", extensions: [".pipe"] });
    expect(manifest.contributes.grammars[0]).toMatchObject({ language: "pipe", scopeName: "source.pipe" });
    const snippets = JSON.parse(fs.readFileSync(path.join(ext, "snippets", "pipe.json"), "utf8"));
    expect(Object.values(snippets).map((s) => (s as { prefix: string }).prefix).sort()).toEqual(["action", "pipeline", "sweep"]);
  });

  it("has a problem matcher that reads what pipe check prints", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-matcher-"));
    fs.writeFileSync(path.join(dir, "main.pipe"), 'action train(lr: Float) -> (model: File) {\n  shell "touch ~{out.model}"\n}\n\npipeline main() {\n  let _t = train(lr = "fast")\n}\n');
    const io = recordingIo(dir);
    expect(await run(["check", "main.pipe"], io)).toBe(2);
    const matcher = manifest.contributes.problemMatchers[0];
    const re = new RegExp(matcher.pattern.regexp);
    const matched = io.stderr().split("\n").map((l) => re.exec(l)).filter((m) => m);
    expect(matched).toHaveLength(1);
    const m = matched[0]!;
    expect([m[matcher.pattern.file], m[matcher.pattern.line], m[matcher.pattern.column], m[matcher.pattern.severity], m[matcher.pattern.code]]).toEqual(["main.pipe", "6", "23", "error", "P3001"]);
    expect(m[matcher.pattern.message]).toContain("`String` is not assignable to `Float`");
    fs.rmSync(dir, { recursive: true });
  });
});
