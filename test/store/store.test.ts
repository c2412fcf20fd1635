// The store module (src/store/): the one meta.json schema against what both writers write
// (pipe's local backend and the self-contained task script), the layout's names read back by
// the stale-work cleanup, the output rules' patterns, read by bash and by JavaScript alike, and
// a scalar output's value, read alike by a shell action, a TypeScript action and `pipe run`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { entriesOf, entryAt, MetaSchema, OUTPUT_RULES, probeStore, removeStaleWork, workDir } from "../../src/store/index.js";
import { probeFile, tmpDir, workOwner } from "../../src/store/layout.js";
import { recordingIo } from "../helpers.js";
import { cleanLocalProjects, localProject, rerunBySelfContainedScripts } from "../local-harness.js";

afterAll(cleanLocalProjects);

/** Every meta.json of a store, parsed as JSON, by key. */
function metas(store: string): Record<string, unknown> {
  return Object.fromEntries(
    fs
      .readdirSync(store)
      .filter((n) => !n.startsWith("."))
      .sort()
      .map((key) => [key, JSON.parse(fs.readFileSync(path.join(store, key, "meta.json"), "utf8")) as unknown]),
  );
}

describe("meta.json", () => {
  it("both writers write exactly the one schema's record, with the same content but for the run's fields", async () => {
    const dir = localProject("protocol");
    const io = recordingIo(dir);
    expect(await run(["run", "main.pipe"], io), io.stderr()).toBe(0);
    const { plan, store: other } = await rerunBySelfContainedScripts(dir);

    const local = metas(path.join(dir, ".pipe", "store"));
    const bash = metas(other);
    expect(Object.keys(local)).toEqual(plan.tasks.map((t) => t.key).sort());
    expect(Object.keys(bash)).toEqual(Object.keys(local));
    const withoutRun = (m: unknown) => {
      const { start, end, host, ...rest } = MetaSchema.parse(m);
      expect(end >= start).toBe(true);
      expect(host).toBe(os.hostname());
      return rest;
    };
    for (const key of Object.keys(local)) {
      // Strict: a field the schema does not know fails the parse, so both writers write no more than it says.
      expect(MetaSchema.safeParse(local[key]).error).toBeUndefined();
      expect(MetaSchema.safeParse(bash[key]).error).toBeUndefined();
      expect(withoutRun(bash[key])).toEqual(withoutRun(local[key]));
      // The task id first: entriesOf reads only the head of each record to find a task's entries.
      expect(Object.keys(local[key] as object)[0]).toBe("task");
      expect(Object.keys(bash[key] as object)).toEqual(Object.keys(local[key] as object));
    }

    // The readers of `pipe why` read them back.
    for (const task of plan.tasks) {
      expect(entryAt(other, task.key)?.meta.task).toBe(task.id);
      expect(entriesOf(other, task.id).map((e) => e.key)).toEqual([task.key]);
    }
  });

  it("the schema refuses a record with a field it does not know, or without the run's", () => {
    const meta = { task: "main/t", key: "k", action: "a", definition: "d", definitionHash: "h", args: {}, files: [], upstream: {}, cache: true, start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:00:01Z", exitCode: 0, host: "h" };
    expect(MetaSchema.safeParse(meta).success).toBe(true);
    expect(MetaSchema.safeParse({ ...meta, extra: 1 }).success).toBe(false);
    const { host: _, ...noHost } = meta;
    expect(MetaSchema.safeParse(noHost).success).toBe(false);
    expect(MetaSchema.safeParse({ ...meta, start: "2026-01-01T00:00:00.123Z" }).success).toBe(false);
  });
});

describe("the layout", () => {
  it("names each work directory with its owner, which the stale-work cleanup reads back", () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-store-"));
    try {
      const key = "0123abcd".repeat(8);
      expect(workOwner(path.basename(workDir(store, key, 7)))).toEqual({ host: os.hostname(), pid: process.pid });
      expect(workOwner(path.basename(probeFile(store)))).toEqual({ host: os.hostname(), pid: process.pid });
      // The self-contained task script's, `KEY.HOSTNAME.BASHPID.RANDOM`, and their companions.
      expect(workOwner(`${key}.node-1.example.4242.17`)).toEqual({ host: "node-1.example", pid: 4242 });
      expect(workOwner(`${key}.h.12.3.args.json`)).toEqual({ host: "h", pid: 12 });
      expect(workOwner(`${key}.h.12.3.old`)).toEqual({ host: "h", pid: 12 });
      expect(workOwner("notes.txt")).toBeUndefined();

      // A dead owner on this host: removed. This process's own and another host's: kept.
      const dead = 2 ** 22 + 1;
      fs.mkdirSync(tmpDir(store), { recursive: true });
      const names = [`${key}.${os.hostname()}.${dead}.1`, path.basename(workDir(store, key, 1)), `${key}.elsewhere.${dead}.1`];
      for (const n of names) fs.mkdirSync(path.join(tmpDir(store), n));
      expect(removeStaleWork(store)).toEqual([names[0]]);
      expect(fs.readdirSync(tmpDir(store)).sort()).toEqual(names.slice(1).sort());
      // The probe leaves nothing in `.tmp`.
      expect(probeStore(store, undefined, "")).toBeUndefined();
      expect(fs.readdirSync(tmpDir(store)).sort()).toEqual(names.slice(1).sort());
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });
});

describe("the output rules", () => {
  it("each pattern accepts the same texts in bash, where the task scripts use it, as in JavaScript", async () => {
    const texts = ["0", "-12", "+7", "1.5", ".5", "5.", "1e10", "1E-3", "-.5e+2", "true", "false", "", "1.5.2", "abc", "e5", "1e", "True", "0x10", "1 2", "--1", "+", "."];
    const scalars = Object.entries(OUTPUT_RULES).filter(([, rule]) => rule.pattern);
    expect(scalars.map(([type]) => type).sort()).toEqual(["Bool", "Float", "Int"]);
    const script = scalars.flatMap(([type, rule]) => [`re='${rule.pattern!.source}'`, ...texts.map((t) => `if [[ '${t}' =~ $re ]]; then echo '${type} ${t}'; fi`)]).join("\n");
    const bash = (await execa("bash", ["-c", script])).stdout.split("\n").filter(Boolean);
    const js = scalars.flatMap(([type, rule]) => texts.filter((t) => rule.pattern!.test(t)).map((t) => `${type} ${t}`));
    expect(bash).toEqual(js);
    expect(js).toContain("Float -.5e+2");
    expect(js).not.toContain("Int 1.5");
  });
});

describe("an entry's scalar output", () => {
  it("reads the same in a shell action, a TypeScript action and pipe run's outputs", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-store-read-"));
    try {
      fs.writeFileSync(
        path.join(dir, "main.pipe"),
        [
          // Spaces and a tab around it, newlines after it: a String is stored as written.
          `action make() -> (s: String) {`,
          `  shell "printf ' a  b\\t \\n\\n' > ~{out.s}"`,
          `}`,
          `action sh(s: String) -> (o: String) {`,
          `  shell "printf '[%s]' ~{s} > ~{out.o}"`,
          `}`,
          `action wrap(s: String) -> (o: String) = ts "./wrap.ts#wrap"`,
          `pipeline main() -> (s: String, sh: String, ts: String) {`,
          `  let m = make()`,
          `  let a = sh(s = m.s)`,
          `  let b = wrap(s = m.s)`,
          `  return (s = m.s, sh = a.o, ts = b.o)`,
          `}`,
          ``,
        ].join("\n"),
      );
      fs.writeFileSync(path.join(dir, "wrap.ts"), "export function wrap({ s }: { s: string }): { o: string } {\n  return { o: `[${s}]` };\n}\n");
      const io = recordingIo(dir);
      expect(await run(["run", "main.pipe", "--json"], io), io.stderr()).toBe(0);
      const result = io.stdout().trim().split("\n").map((l) => JSON.parse(l) as { type: string; outputs?: Record<string, string> }).find((e) => e.type === "result");
      expect(result?.outputs).toEqual({ s: " a  b\t ", sh: "[ a  b\t ]", ts: "[ a  b\t ]" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
