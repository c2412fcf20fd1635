// A job's tasks as one body and a table (backends/slurm/task-table.ts), without a cluster:
// every task of a bundle run by hand (`bash jobs/NAME.sh INDEX`) must do what the task
// script of plan/script.ts does for it (the same exit status, messages and store entries,
// meta.json but its times), over hostile values, commands whose differing words are values
// or are not, assignments, files the keys cover, upstream inputs and a fan-in long enough to
// be read from a list. And a value read from a row is the exact value, never shell code.
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { readBundle, readBundlePlan } from "../../src/backends/slurm/bundle.js";
import { decodeField, encodeField, factor, INPUT_LIST_AFTER, words } from "../../src/backends/slurm/task-table.js";
import { run } from "../../src/cli/index.js";
import { taskScript } from "../../src/plan/script.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const HOSTILE = ["a\tb", "c\nd", "e\x1b[31mred", "f\rg", "h\x9bi", "j\x7fk", "k\\l", "m\u2028n", "\x07bell", "plain", "$HOME `id` 'q' \"dq\" $(x)", "日本 🙂", "", "-n", "a=b", "*", "~/x", "\\x41\\n", "%s %b"];

/** Emits DIR/main.pipe, runs every task by hand and by its task script in two stores, and returns what differs. */
async function compareRuns(dir: string, params?: object): Promise<{ differences: string[]; entries: number; bundle: string }> {
  if (params) fs.writeFileSync(path.join(dir, "params.json"), JSON.stringify(params));
  const io = recordingIo(dir);
  expect(await run(["emit", "slurm", "main.pipe", ...(params ? ["--params", "params.json"] : []), "-o", "bundle"], io), io.stderr()).toBe(0);
  const bundle = path.join(dir, "bundle");
  const plan = readBundlePlan(bundle);
  const read = readBundle(bundle);
  if (!plan.ok || !read.ok) throw new Error("unreadable bundle");
  const [byHand, byScript] = [path.join(dir, "store-a"), path.join(dir, "store-b")];
  fs.writeFileSync(path.join(bundle, "bundle.env"), `PIPE_STORE=${byHand}\nPIPE_PROJECT=${dir}\n`);
  const byId = new Map(plan.value.tasks.map((t) => [t.id, t]));
  const differences: string[] = [];
  for (const job of read.value.jobs) {
    for (const [i, t] of job.tasks.entries()) {
      const a = await execa("bash", [path.join(bundle, job.script), String(i)], { reject: false, cwd: "/" });
      const script = path.join(dir, "one.sh");
      fs.writeFileSync(script, taskScript(plan.value, byId.get(t.id)!));
      const b = await execa("bash", [script], { reject: false, env: { PIPE_STORE: byScript, PIPE_PROJECT: dir } });
      if (a.exitCode !== b.exitCode || a.stderr !== b.stderr) differences.push(`${t.id}: ${a.exitCode} ${JSON.stringify(a.stderr)} by hand, ${b.exitCode} ${JSON.stringify(b.stderr)} by its script`);
    }
  }
  const entries = fs.readdirSync(byScript).filter((k) => !k.startsWith("."));
  for (const key of entries) {
    for (const f of fs.readdirSync(path.join(byScript, key))) {
      const [x, y] = [path.join(byHand, key, f), path.join(byScript, key, f)].map((p) => (fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined));
      const strip = (text?: string) => (f === "meta.json" ? text?.replace(/"start":.*$/s, "") : text);
      if (strip(x) !== strip(y)) differences.push(`${key}/${f}: ${JSON.stringify(x)} by hand, ${JSON.stringify(y)} by its script`);
    }
  }
  expect(fs.readdirSync(byHand).filter((k) => !k.startsWith(".")).sort()).toEqual(entries.sort());
  return { differences, entries: entries.length, bundle };
}

describe("a job's commands factored", () => {
  it("keep each differing word of each command, wherever the first difference is", () => {
    expect(factor(["echo a 1 x", "echo a 2 x", "echo a 3 y", "echo b 4 z"])).toEqual([
      "",
      "echo",
      " ",
      { prefix: "", values: ["a", "a", "a", "b"] },
      " ",
      { prefix: "", values: ["1", "2", "3", "4"] },
      " ",
      { prefix: "", values: ["x", "x", "y", "z"] },
      "",
    ]);
    expect(factor(["echo a", "echo a b"])).toBeUndefined();
    expect(factor(["echo a;b", "echo a|b"])).toBeUndefined();
  });

  it("give back every command, word for word", () => {
    // Bash's reserved words are never factored (a quoted `do` is no keyword).
    const reserved = new Set(["if", "fi", "do", "in", "for"]);
    const word = fc.stringMatching(/^[a-z0-9]{1,3}$/).filter((w) => !reserved.has(w));
    fc.assert(
      fc.property(fc.array(fc.array(word, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 12 }), (rows) => {
        const commands = rows.map((w) => `cmd ${w.join(" ")} > out`);
        const parts = factor(commands)!;
        expect(parts).toBeDefined();
        commands.forEach((command, c) => expect(parts.map((p) => (typeof p === "string" ? p : p.prefix + p.values[c])).join("")).toBe(command));
      }),
      { numRuns: 300 },
    );
  });

  it("split shell text of any kind into its words, and factor it only into words bash reads as the row's values", async () => {
    // Quotes, escapes, substitutions, comments, here-documents, operators, assignments.
    const piece = fc.constantFrom("a", "b", " ", "'", '"', "\\", "$", "(", "`", "#", "<<", ";", "|", "x=", "=~", "\n", "é", "1");
    const text = fc.array(piece, { maxLength: 14 }).map((p) => p.join(""));
    const read: [word: string, value: string][] = [];
    fc.assert(
      fc.property(text, fc.array(fc.constantFrom("a", "q", "b", "r2", "é"), { minLength: 1, maxLength: 40 }), (template, values) => {
        const split = words(template);
        if (split) expect(split.join("")).toBe(template);
        let v = 0;
        const commands = [0, 1, 2].map(() => template.replace(/a/g, () => values[v++ % values.length]!));
        const parts = factor(commands);
        if (!parts) return;
        commands.forEach((command, c) => {
          const own = words(command)!;
          expect(own.length).toBe(parts.length);
          parts.forEach((p, i) => {
            if (typeof p === "string") expect(own[i]).toBe(p);
            else {
              expect(own[i]!.startsWith(p.prefix)).toBe(true);
              read.push([own[i]!.slice(p.prefix.length), p.values[c]!]);
            }
          });
        });
      }),
      { numRuns: 3000 },
    );
    expect(read.length).toBeGreaterThan(100);
    // What bash makes of each differing word is the value its row holds.
    const bash = await execa("bash", ["-c", read.map(([word]) => `v=${word}; printf '%s\\0' "$v"`).join("\n")]);
    expect(bash.stdout.split("\0").slice(0, -1)).toEqual(read.map(([, value]) => value));
  });
});

describe("a value in a row", () => {
  it("is one line without control characters, and printf %b reads it back exactly", async () => {
    const fields = HOSTILE.map(encodeField);
    for (const f of fields) expect(f).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/);
    expect(fields.map(decodeField)).toEqual(HOSTILE);
    const read = await execa("bash", ["-c", 'for f in "$@"; do printf -v v %b "$f"; printf "%s\\0" "$v"; done', "-", ...fields], { encoding: "buffer" });
    expect(Buffer.from(read.stdout).toString("utf8").split("\0").slice(0, -1)).toEqual(HOSTILE);
  });
});

describe("tasks run by hand from their job's table", () => {
  it("do what their task scripts do, with hostile values quoted in commands and upstream files", async () => {
    const dir = project({
      "main.pipe": `
action echo(s: String) -> (o: File) {
  shell """
    echo working
    case ~{s} in *red*) echo "bad value" >&2; exit 3 ;; esac
    printf '%s' ~{s} > ~{out.o}
  """
}
action relay(f: File) -> (o: File) { shell "cp ~{f} ~{out.o}" }
pipeline main(xs: List[String]) {
  let e = for s in xs { echo(s = s) }
  let _r = for f in e.o { relay(f = f) }
}
`,
    });
    const { differences, entries, bundle } = await compareRuns(dir, { xs: HOSTILE });
    expect(differences).toEqual([]);
    // The red value fails its task, and so its relay.
    expect(entries).toBe(2 * HOSTILE.length - 2);
    // The values are words of the body's command, not commands of the row.
    const script = fs.readFileSync(path.join(bundle, "jobs/e.sh"), "utf8");
    expect(script).toContain('case "${field[4]}" in *red*)');
    expect(script).not.toContain("eval");
  });

  it("keep assignments, varying lists (the row's command then), files their keys cover and a fan-in", async () => {
    const many = INPUT_LIST_AFTER + 8;
    const dir = project({
      "tool.sh": "printf '%s|' \"$@\"\n",
      "main.pipe": `
action t(x: String, n: Int) -> (v: String) {
  uses "tool.sh"
  shell "X=~{x} Y=~{n}; export X Y; sh tool.sh \\"$X\\" ~{x} n=~{n} > ~{out.v}"
}
action l(xs: List[String]) -> (v: String) { shell "printf '<%s>' ~{xs} > ~{out.v}" }
action p(vs: List[String]) -> (v: String) { shell "printf '%s\\\\n' ~{vs} | sort | tr -d '\\\\n' > ~{out.v}" }
pipeline main(xs: List[String], ys: List[List[String]]) -> (v: String) {
  let ts = for x in xs, n in range(${Math.ceil(many / 4)}) { t(x = x, n = n) }
  let ls = for y in ys { l(xs = y) }
  let q = p(vs = ts.v + ls.v)
  return (v = q.v)
}
`,
    });
    const { differences, entries, bundle } = await compareRuns(dir, { xs: ["a b", "$c", "d'e", "f=g"], ys: [["1"], ["2", "3 4"], [], ["*"]] });
    expect(differences).toEqual([]);
    expect(entries).toBe(4 * Math.ceil(many / 4) + 4 + 1);
    const t = fs.readFileSync(path.join(bundle, "jobs/ts.sh"), "utf8");
    expect(t).toContain('X="${field[4]}" Y="${field[5]}"; export X Y; sh tool.sh "$X" "${field[4]}" "${field[6]}"');
    // Lists of different lengths: the command is the row's.
    expect(fs.readFileSync(path.join(bundle, "jobs/ls.sh"), "utf8")).toContain('eval "${field[4]}"');
    // The fan-in reads its inputs from a list; its store record is the same.
    expect(fs.readFileSync(path.join(bundle, "jobs/q.inputs"), "utf8").split("\n")).toHaveLength(4 * Math.ceil(many / 4) + 4 + 1);
    const shellcheck = await execa("shellcheck", ["--shell=bash", "jobs/ts.sh", "jobs/ls.sh", "jobs/q.sh"], { cwd: bundle, reject: false });
    expect(shellcheck.stdout).toBe("");
  });

  it("of a fan-in read from a list are in the store record's order where one id starts another", async () => {
    // `main/r[s=a]` starts `main/r[s=a] b]`, whose next character sorts before the comma of
    // `main/r[s=a],KEY`: the record orders `task,key` strings, not ids.
    const dir = project({
      "main.pipe": `
action r(s: String, n: Int) -> (v: String) { shell "echo ~{s}~{n} > ~{out.v}" }
action p(vs: List[String]) -> (v: String) { shell "printf '%s\\n' ~{vs} | sort | tr -d '\\n' > ~{out.v}" }
pipeline main() -> (v: String) {
  let rs = for n in range(${Math.ceil(INPUT_LIST_AFTER / 3) + 1}), s in ["a", "a] b", "a]+"] { r(s = s, n = n) }
  let q = p(vs = rs.v)
  return (v = q.v)
}
`,
    });
    const { differences, bundle } = await compareRuns(dir);
    expect(differences).toEqual([]);
    const ids = fs.readFileSync(path.join(bundle, "jobs/q.inputs"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(decodeField(l.split("\t")[1]!)) as string);
    expect(ids.some((id, i) => i > 0 && ids[i - 1]!.length > id.length && ids[i - 1]!.startsWith(id))).toBe(true);
  });

  it("of a fan-in read from a list name a missing upstream task by its id, as a task script does", async () => {
    const dir = project({
      "main.pipe": `
action r(n: Int) -> (v: Int) { shell "echo ~{n} > ~{out.v}" }
action p(vs: List[Int]) -> (v: Int) { shell "echo ~{vs} | wc -w > ~{out.v}" }
pipeline main() -> (v: Int) {
  let rs = for n in range(${INPUT_LIST_AFTER + 1}) { r(n = n) }
  let q = p(vs = rs.v)
  return (v = q.v)
}
`,
    });
    const io = recordingIo(dir);
    expect(await run(["emit", "slurm", "main.pipe", "-o", "bundle"], io), io.stderr()).toBe(0);
    const bundle = path.join(dir, "bundle");
    fs.writeFileSync(path.join(bundle, "bundle.env"), `PIPE_STORE=${path.join(dir, "empty-store")}\nPIPE_PROJECT=${dir}\n`);
    const [key, id] = fs.readFileSync(path.join(bundle, "jobs/q.inputs"), "utf8").split("\n")[0]!.split("\t");
    const q = await execa("bash", [path.join(bundle, "jobs/q.sh"), "0"], { reject: false });
    expect(q.exitCode).not.toBe(0);
    expect(q.stderr).toBe(`pipe: main/q: upstream ${JSON.parse(decodeField(id!)) as string} (${key}) is not in the store`);
  });

  it("of one job in shapes that take turns get a body per shape, in the order each first comes, the row naming its own", async () => {
    const dir = project({
      "one/a.txt": "a\n",
      "two/a.txt": "a\n",
      "two/b.txt": "b\n",
      "main.pipe": `
action count(files: List[File], k: Int) -> (n: String) { shell "cat ~{files} > ~{out.n}; echo ~{k} >> ~{out.n}" }
pipeline main() {
  let _cs = for k in range(6) { count(files = if k == 0 or k == 2 or k == 4 then glob("two/*.txt") else glob("one/*.txt"), k = k) }
}
`,
    });
    const { differences, entries, bundle } = await compareRuns(dir);
    expect(differences).toEqual([]);
    expect(entries).toBe(6);
    const script = fs.readFileSync(path.join(bundle, "jobs/_cs.sh"), "utf8");
    expect(script).toContain("\ncase ${field[4]} in\n  0) body_0 ;;\n  1) body_1 ;;\nesac\n");
    // Two inputs in the first body, one in the second; each row names its task's.
    expect(script.slice(script.indexOf("body_0() {"), script.indexOf("body_1() {"))).toContain("two/b.txt");
    const rows = fs.readFileSync(path.join(bundle, "jobs/_cs.tasks"), "utf8").trim().split("\n");
    expect(rows.map((r) => r.split("\t")[4])).toEqual(["0", "1", "0", "1", "0", "1"]);
    const shellcheck = await execa("shellcheck", ["--shell=bash", "jobs/_cs.sh"], { cwd: bundle, reject: false });
    expect(shellcheck.stdout).toBe("");
  });

  it("are found by index from any directory, and a row that is not there is an error", async () => {
    const dir = project({ "main.pipe": 'action a(i: Int) -> (v: Int) { shell "echo ~{i} > ~{out.v}" }\npipeline main() { let xs = for i in range(3) { a(i = i) } }\n' });
    const io = recordingIo(dir);
    expect(await run(["emit", "slurm", "main.pipe", "-o", "bundle"], io)).toBe(0);
    const ok = await execa("bash", [path.join(dir, "bundle/jobs/xs.sh"), "2"], { cwd: "/", reject: false });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^pipe: task main\/xs\[i=2\] \(jobs\/xs\.sh 2\), job none_2 on /);
    const missing = await execa("bash", [path.join(dir, "bundle/jobs/xs.sh"), "3"], { reject: false });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe("pipe: jobs/xs.tasks has no task at index 3");
  });
});
