// Cache keys: what changes a key and what must not. Each case edits one thing in a small
// project and compares every task's key with the original's.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJson, KEY_VERSION, sha256, type Json } from "../../src/plan/canonical.js";
import { ArgsWriter, filledArgs, taskKey, type KeyParts } from "../../src/plan/keys.js";
import type { KeyFile } from "../../src/plan/plan.js";
import type { Value } from "../../src/plan/values.js";
import { ContentHasher, SMALL_FILE_BYTES } from "../../src/plan/content-hash.js";
import { InputVerifier, REMEDY } from "../../src/plan/verify-inputs.js";
import type { Task } from "../../src/plan/plan.js";
import { planStates } from "../../src/plan/state.js";
import { cleanProjects, keysOf, mustPlan, project, writeFiles } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const MAIN = `# a project with every kind of key input
action prepare(src: File, seed: Int = 0) -> (data: Dir) {
  uses "scripts/prep.sh"
  resources { cpus = 1, mem = "1G" }
  shell "bash scripts/prep.sh ~{src} ~{seed} ~{out.data}"
}
action train(data: Dir, lr: Float) -> (score: Float) {
  shell "echo ~{lr} > ~{out.score}"
}
pipeline main(lr: Float = 0.1) -> (s: Float) {
  let d = prepare(src = "data/raw.csv")
  let t = train(data = d.data, lr = lr)
  return (s = t.score)
}
`;

const FILES = { "main.pipe": MAIN, "scripts/prep.sh": "mkdir -p \"$3\"; cp \"$1\" \"$3/\"\n", "data/raw.csv": "x,y\n1,2\n" };

async function keysAfter(edit: (dir: string) => void, options: { pairs?: string[] } = {}): Promise<{ before: Record<string, string>; after: Record<string, string> }> {
  const dir = project(FILES);
  const before = keysOf(await mustPlan(dir));
  edit(dir);
  const after = keysOf(await mustPlan(dir, options));
  return { before, after };
}

const edit = (file: string, change: (text: string) => string) => (dir: string) => {
  const before = fs.readFileSync(path.join(dir, file), "utf8");
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${file} changed nothing`);
  fs.writeFileSync(path.join(dir, file), after);
};

/** Sets a file's mtime `seconds` into the past (the stat cache trusts only settled files). */
const age = (file: string, seconds: number) => {
  const then = new Date(Date.now() - seconds * 1000);
  fs.utimesSync(file, then, then);
};

describe("a key changes when", () => {
  it("a scalar argument changes (and so does every key downstream)", async () => {
    const { before, after } = await keysAfter(() => {}, { pairs: ["lr=0.2"] });
    expect(after["main/d"]).toBe(before["main/d"]);
    expect(after["main/t"]).not.toBe(before["main/t"]);
  });

  it("a default changes", async () => {
    const { before, after } = await keysAfter(edit("main.pipe", (t) => t.replace("seed: Int = 0", "seed: Int = 1")));
    expect(after["main/d"]).not.toBe(before["main/d"]);
    expect(after["main/t"]).not.toBe(before["main/t"]);
  });

  it("a `uses` file's content changes", async () => {
    const { before, after } = await keysAfter(edit("scripts/prep.sh", (t) => t + "# more\n"));
    expect(after["main/d"]).not.toBe(before["main/d"]);
    expect(after["main/t"]).not.toBe(before["main/t"]);
  });

  it("an external input's content changes", async () => {
    const { before, after } = await keysAfter(edit("data/raw.csv", (t) => t + "3,4\n"));
    expect(after["main/d"]).not.toBe(before["main/d"]);
    expect(after["main/t"]).not.toBe(before["main/t"]);
  });

  it("the action's command changes", async () => {
    const { before, after } = await keysAfter(edit("main.pipe", (t) => t.replace("echo ~{lr}", "printf '%s' ~{lr}")));
    expect(after["main/d"]).toBe(before["main/d"]);
    expect(after["main/t"]).not.toBe(before["main/t"]);
  });

  it("the action's env, signature or output names change", async () => {
    for (const change of [
      (t: string) => t.replace('  shell "echo', '  env { A = "1" }\n  shell "echo'),
      (t: string) => t.replace("-> (score: Float)", "-> (score: Int)"),
      (t: string) => t.replace("(data: Dir, lr: Float)", "(data: Dir, lr: Float, unused: Int = 3)"),
    ]) {
      const { before, after } = await keysAfter(edit("main.pipe", change));
      expect(after["main/t"]).not.toBe(before["main/t"]);
    }
  });

  it("an upstream key changes, even when the downstream call is untouched", async () => {
    const { before, after } = await keysAfter(edit("main.pipe", (t) => t.replace("scripts/prep.sh ~{src}", "scripts/prep.sh  --v2 ~{src}")));
    expect(after["main/d"]).not.toBe(before["main/d"]);
    expect(after["main/t"]).not.toBe(before["main/t"]);
  });

  it("an input is renamed, even with the same content (the command may use its name)", async () => {
    const { before, after } = await keysAfter((dir) => {
      fs.renameSync(path.join(dir, "data/raw.csv"), path.join(dir, "data/renamed.csv"));
      edit("main.pipe", (t) => t.replace("data/raw.csv", "data/renamed.csv"))(dir);
    });
    expect(after["main/d"]).not.toBe(before["main/d"]);
    expect(after["main/t"]).not.toBe(before["main/t"]);
  });

  it("two calls take inputs with the same content under different names", async () => {
    const dir = project({
      "main.pipe": `action label(f: File) -> (o: File) { shell "basename ~{f} > ~{out.o}" }
action list(d: Dir) -> (o: File) { shell "basename ~{d} > ~{out.o}" }
pipeline main() {
  let a = label(f = "data/a.csv")
  let b = label(f = "data/b.csv")
  let c = list(d = "in/x")
  let e = list(d = "in/y")
}
`,
      "data/a.csv": "same\n",
      "data/b.csv": "same\n",
      "in/x/f.txt": "same\n",
      "in/y/f.txt": "same\n",
    });
    const plan = await mustPlan(dir);
    const files = Object.fromEntries(plan.tasks.map((t) => [t.id, t.files.find((f) => f.role === "input")!.hash]));
    // The content hashes agree; the keys must not.
    expect(files["main/a"]).toBe(files["main/b"]);
    expect(files["main/c"]).toBe(files["main/e"]);
    const keys = keysOf(plan);
    expect(keys["main/a"]).not.toBe(keys["main/b"]);
    expect(keys["main/c"]).not.toBe(keys["main/e"]);
  });

  it("an input directory gains a file, or a file in it changes", async () => {
    const files = {
      "main.pipe": `action a(d: Dir) -> (o: File) { shell "ls ~{d} > ~{out.o}" }\npipeline main() { let x = a(d = "in") }\n`,
      "in/a.txt": "a",
      "in/sub/b.txt": "b",
    };
    const dir = project(files);
    const k0 = keysOf(await mustPlan(dir))["main/x"];
    writeFiles(dir, { "in/sub/c.txt": "c" });
    const k1 = keysOf(await mustPlan(dir))["main/x"];
    writeFiles(dir, { "in/sub/b.txt": "B" });
    const k2 = keysOf(await mustPlan(dir))["main/x"];
    fs.renameSync(path.join(dir, "in/sub/c.txt"), path.join(dir, "in/sub/d.txt"));
    const k3 = keysOf(await mustPlan(dir))["main/x"];
    expect(new Set([k0, k1, k2, k3]).size).toBe(4);
  });
});

describe("a key does not change for", () => {
  it("comments, whitespace and formatting of the .pipe file", async () => {
    const { before, after } = await keysAfter(
      edit("main.pipe", (t) =>
        t
          .replace("# a project with every kind of key input", "# reworded\n\n# and longer")
          .replace("action train(data: Dir, lr: Float) -> (score: Float) {", "action train(\n  data: Dir,   # the data\n  lr: Float,\n) -> (score: Float)\n{")
          .replace('  shell "echo ~{lr} > ~{out.score}"', '  shell """\n    echo ~{lr} > ~{out.score}   \n  """')
          .replace("let t = train(data = d.data, lr = lr)", "let t = train(\n    lr = lr,\n    data = d.data,\n  )"),
      ),
    );
    expect(after).toEqual(before);
  });

  it("a change of resources or retries", async () => {
    const { before, after } = await keysAfter(
      edit("main.pipe", (t) => t.replace('resources { cpus = 1, mem = "1G" }', 'resources { cpus = 8, mem = "64G", time = "2h" }\n  retries = 3').replace("let t = train(data = d.data, lr = lr)", "let t = train(data = d.data, lr = lr) resources { gpus = 2 }")),
    );
    expect(after).toEqual(before);
  });

  it("a touch of an input or a `uses` file", async () => {
    const { before, after } = await keysAfter((dir) => {
      const later = new Date(Date.now() + 60_000);
      for (const f of ["data/raw.csv", "scripts/prep.sh"]) fs.utimesSync(path.join(dir, f), later, later);
    });
    expect(after).toEqual(before);
  });

  it("moving the project directory", async () => {
    const a = project(FILES, "pipe-keys-a-");
    const b = project(FILES, "pipe-keys-elsewhere-");
    expect(keysOf(await mustPlan(a))).toEqual(keysOf(await mustPlan(b)));
  });

});

describe("TypeScript actions", () => {
  it("the function's module and the project modules it imports are in the key, and nothing else", async () => {
    const dir = project({});
    const ts = path.resolve(import.meta.dirname, "..", "fixtures", "ts");
    fs.cpSync(path.join(ts, "actions"), path.join(dir, "actions"), { recursive: true });
    fs.copyFileSync(path.join(ts, "ok.pipe"), path.join(dir, "main.pipe"));
    const before = keysOf(await mustPlan(dir));
    expect(Object.keys(before)).toEqual(["main/b", "main/s", "main/t"]);
    // stats.ts is imported by report.ts only: both summarize calls rerun, best_index does not.
    edit("actions/stats.ts", (t) => t + "\nexport const unused = 1;\n")(dir);
    const afterStats = keysOf(await mustPlan(dir));
    expect(afterStats["main/b"]).toBe(before["main/b"]);
    expect(afterStats["main/s"]).not.toBe(before["main/s"]);
    expect(afterStats["main/t"]).not.toBe(before["main/t"]);
    edit("actions/select.ts", (t) => t.replace("let best = 0;", "let best = 0; // first"))(dir);
    const afterSelect = keysOf(await mustPlan(dir));
    expect(afterSelect["main/b"]).not.toBe(before["main/b"]);
    expect(afterSelect["main/s"]).toBe(afterStats["main/s"]);
  });
});

describe("cache = false", () => {
  it("its task and every task downstream run even when their keys are in the store", async () => {
    const dir = project({
      "main.pipe": `
action fetch() -> (o: File) {
  cache = false
  shell "date > ~{out.o}"
}
action use(f: File) -> (o: File) { shell "cp ~{f} ~{out.o}" }
action other() -> (o: File) { shell "echo hi > ~{out.o}" }
pipeline main() {
  let f = fetch()
  let u = use(f = f.o)
  let x = other()
}
`,
    });
    const plan = await mustPlan(dir);
    const store = path.join(dir, "store");
    for (const t of plan.tasks) writeFiles(store, { [`${t.key}/meta.json`]: "{}" });
    const states = Object.fromEntries(planStates(plan, store).map((s) => [s.task.id, [s.run, s.reason ?? null, s.because ?? null]]));
    expect(states).toEqual({
      "main/f": [true, "cache = false", null],
      "main/u": [true, "upstream reruns", "main/f"],
      "main/x": [false, null, null],
    });
    expect(plan.tasks.find((t) => t.id === "main/f")!.cache).toBe(false);
  });
});

describe("canonical hashing", () => {
  it("canonical JSON sorts keys at every depth and has no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: "x\ny" }, true], "10": 0, "9": -0 })).toBe('{"10":0,"9":0,"a":[{"c":"x\\ny","d":null},true],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it("a key is the versioned hash of the canonical JSON of its inputs, written directly", () => {
    expect(KEY_VERSION).toBe(2);
    const scalar = fc.oneof(
      fc.integer().map((v): Value => ({ t: "int", v })),
      fc.double().map((v): Value => ({ t: "float", v })),
      fc.boolean().map((v): Value => ({ t: "bool", v })),
      fc.string({ unit: "grapheme" }).map((v): Value => ({ t: "str", v })),
      fc.constant<Value>({ t: "none" }),
      fc.constantFrom("data/a.csv", "b", 'q"\\x').map((p): Value => ({ t: "path", path: p, dir: false })),
      fc.record({ task: fc.constantFrom("main/a", "main/b"), output: fc.string() }).map(({ task, output }): Value => ({ t: "ref", task, output, type: { kind: "Int" } })),
    );
    const { value } = fc.letrec<{ value: Value }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        scalar,
        fc.array(tie("value"), { maxLength: 4 }).map((items): Value => ({ t: "list", items })),
        fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }).map((fields): Value => ({ t: "record", fields })),
      ),
    }));
    const upstream: Record<string, string> = { "main/a": "a".repeat(32), "main/b": "b".repeat(32) };
    // The definition of the key, in canonical JSON terms (src/plan/keys.ts writes its text directly).
    const reference = (parts: KeyParts): string => {
      const json = (v: Value): Json => {
        switch (v.t) {
          case "none":
            return null;
          case "path":
            return { content: parts.files.find((f) => f.role === "input" && f.path === v.path)?.hash ?? "", path: v.path };
          case "list":
            return v.items.map(json);
          case "record":
            return { record: Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, json(f)])) };
          case "ref":
            return { output: v.output, upstream: parts.upstreamKey(v.task) };
          default:
            return v.v;
        }
      };
      const inputs = {
        definition: parts.definitionHash,
        args: Object.fromEntries([...parts.args].map(([k, v]) => [k, json(v)])),
        uses: parts.files.filter((f) => f.role === "uses").map((f) => f.hash),
        ts: parts.files.filter((f) => f.role === "ts").map((f) => f.hash),
        cache: parts.cache,
      };
      return sha256(canonicalJson({ keyVersion: KEY_VERSION, inputs })).slice(0, 32);
    };
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { maxKeys: 5 }), fc.boolean(), fc.string(), (args, cache, definitionHash) => {
        const files: KeyFile[] = [
          { role: "uses", path: "s.sh", hash: "1".repeat(64) },
          { role: "ts", path: "a.ts", hash: "2".repeat(64) },
          { role: "input", path: "data/a.csv", hash: "3".repeat(64) },
          { role: "input", path: 'q"\\x', hash: "4".repeat(64) },
        ];
        const parts: KeyParts = { definitionHash, args: new Map(Object.entries(args)), files, cache, upstreamKey: (id) => upstream[id]! };
        expect(taskKey(parts)).toBe(reference(parts));
      }),
      { numRuns: 500 },
    );
  });
});

describe("a long list's canonical text", () => {
  // Longer than the writer keeps in one string (it joins flat pieces): a fan-in's upstream
  // keys, a sweep's inputs, a nested list, with holes where a key or a hash is not known yet.
  const n = 5000;
  const key = (i: number) => i.toString(16).padStart(32, "0");
  const items: Value[] = Array.from({ length: n }, (_, i): Value => {
    if (i % 3 === 0) return { t: "ref", task: `main/t[${i}]`, output: i % 2 ? "o" : "p", type: { kind: "Int" } };
    if (i % 3 === 1) return { t: "path", path: `in/${i}.txt`, dir: false };
    return { t: "list", items: [{ t: "str", v: `s"${i}\u00e9` }, { t: "int", v: i }] };
  });
  const args = new Map<string, Value>([
    ["xs", { t: "list", items }],
    ["y", { t: "int", v: 1 }],
  ]);
  const expected = (): string => {
    const json = (v: Value): Json => {
      switch (v.t) {
        case "ref":
          return { output: v.output, upstream: key(Number(/\d+/.exec(v.task)![0])) };
        case "path":
          return { content: `h${v.path}`, path: v.path };
        case "list":
          return v.items.map(json);
        default:
          return (v as { v: Json }).v;
      }
    };
    const text = canonicalJson(Object.fromEntries([...args].map(([k, v]) => [k, json(v)])));
    return text.slice(1, -1);
  };

  it("is the canonical JSON, written known", () => {
    const writer = new ArgsWriter(
      (ref) => key(Number(/\d+/.exec(ref.task)![0])),
      (p) => `h${p}`,
    );
    const text = writer.write(["xs", "y"], ['"xs"', '"y"'], args);
    expect(typeof text).toBe("string");
    expect(text).toBe(expected());
    // The writer is left as new: a short text after it is its own.
    expect(writer.write(["y"], ['"y"'], new Map([["y", { t: "int", v: 2 }]]))).toBe('"y":2');
  });

  it("is the canonical JSON once its holes are filled, a key or a hash unknown at every place or at a few", () => {
    for (const unknown of [(i: number) => i >= 0, (i: number) => i === 2400 || i === 4000]) {
      const writer = new ArgsWriter(
        (ref) => {
          const i = Number(/\d+/.exec(ref.task)![0]);
          return unknown(i) ? i : key(i);
        },
        (p) => (unknown(Number(/\d+/.exec(p)![0])) ? undefined : `h${p}`),
      );
      const text = writer.write(["xs", "y"], ['"xs"', '"y"'], args);
      expect(Array.isArray(text)).toBe(true);
      // Text, a hole, text, ...: a hole per unknown reference and path.
      expect((text as readonly unknown[]).length).toBe(2 * items.filter((v, i) => v.t !== "list" && unknown(i)).length + 1);
      expect(filledArgs(text, key, (p) => `h${p}`)).toBe(expected());
    }
  });
});

describe("content hashing", () => {
  const tmp = () => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pipe-hash-")));

  it("a re-plan with the persistent stat cache reads no byte; a touch re-reads but hashes the same", async () => {
    const dir = project(FILES);
    for (const f of ["data/raw.csv", "scripts/prep.sh"]) age(path.join(dir, f), 3600);
    const cacheFile = path.join(dir, ".pipe", "hash-cache.json");
    const first = new ContentHasher(cacheFile);
    const k1 = keysOf(await mustPlan(dir, { hasher: first }));
    expect(first.bytesRead).toBe(fs.statSync(path.join(dir, "data/raw.csv")).size + fs.statSync(path.join(dir, "scripts/prep.sh")).size);
    const second = new ContentHasher(cacheFile);
    expect(keysOf(await mustPlan(dir, { hasher: second }))).toEqual(k1);
    expect(second.bytesRead).toBe(0);
    age(path.join(dir, "data/raw.csv"), 60);
    const third = new ContentHasher(cacheFile);
    expect(keysOf(await mustPlan(dir, { hasher: third }))).toEqual(k1);
    expect(third.bytesRead).toBe(fs.statSync(path.join(dir, "data/raw.csv")).size);
    const fourth = new ContentHasher(cacheFile);
    await mustPlan(dir, { hasher: fourth });
    expect(fourth.bytesRead).toBe(0);
  });

  it("tasks keyed as they are made, their `uses` file and sources known to the stat cache, have a cold plan's keys and files", async () => {
    const dir = project(FILES);
    const ts = path.resolve(import.meta.dirname, "..", "fixtures", "ts");
    fs.cpSync(path.join(ts, "actions"), path.join(dir, "actions"), { recursive: true });
    fs.copyFileSync(path.join(ts, "ok.pipe"), path.join(dir, "ts.pipe"));
    const settle = () => {
      for (const f of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) if (!f.startsWith(".pipe")) age(path.join(dir, f), 3600);
    };
    const cacheFile = path.join(dir, ".pipe", "hash-cache.json");
    const planned = async (cache: string) => {
      const plans = [await mustPlan(dir, { hasher: new ContentHasher(cache) }), await mustPlan(dir, { file: "ts.pipe", hasher: new ContentHasher(cache) })];
      return plans.map((p) => p.tasks.map((t) => ({ id: t.id, key: t.key, files: t.files })));
    };
    settle();
    const cold = await planned(path.join(dir, ".pipe", "none.json"));
    await planned(cacheFile);
    const warm = new ContentHasher(cacheFile);
    expect(keysOf(await mustPlan(dir, { hasher: warm }))).toEqual(Object.fromEntries(cold[0]!.map((t) => [t.id, t.key])));
    expect(warm.bytesRead).toBe(0);
    expect(await planned(cacheFile)).toEqual(cold);
    // Edited and settled again: the stat cache no longer vouches for them, and the keys follow.
    edit("scripts/prep.sh", (t) => t + "# more\n")(dir);
    edit("actions/stats.ts", (t) => t + "\nexport const unused = 1;\n")(dir);
    settle();
    const edited = await planned(cacheFile);
    expect(edited).toEqual(await planned(path.join(dir, ".pipe", "none-again.json")));
    expect(edited[0]!.find((t) => t.id === "main/d")!.key).not.toBe(cold[0]!.find((t) => t.id === "main/d")!.key);
    expect(edited[1]!.find((t) => t.id === "main/s")!.key).not.toBe(cold[1]!.find((t) => t.id === "main/s")!.key);
    expect(edited[1]!.find((t) => t.id === "main/b")!.key).toBe(cold[1]!.find((t) => t.id === "main/b")!.key);
  });

  it("keeps what a run checks: the stats of directories and large files, not of small ones", async () => {
    const dir = tmp();
    const big = path.join(dir, "big.bin");
    fs.writeFileSync(big, Buffer.alloc(SMALL_FILE_BYTES + 1, 1));
    const small = path.join(dir, "small.txt");
    fs.writeFileSync(small, "s\n");
    const sub = path.join(dir, "sub");
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, "f"), "f");
    for (const f of [big, small, path.join(sub, "f")]) age(f, 3600);
    const cacheFile = path.join(dir, "cache.json");
    const first = new ContentHasher(cacheFile);
    const hashes = await Promise.all([big, small, sub].map((f) => first.hash(f)));
    first.save();
    expect([...first.seen.keys()].sort()).toEqual([big, sub]);
    // Known to the stat cache the second time: the same, from one stat each.
    const again = new ContentHasher(cacheFile);
    expect(await Promise.all([big, small, sub].map((f) => again.hash(f)))).toEqual(hashes);
    expect(again.bytesRead).toBe(0);
    expect([...again.seen.keys()].sort()).toEqual([big, sub]);
    // The large file is trusted by its stat, the small one read.
    const files = [
      { role: "input" as const, path: "big.bin", hash: hashes[0]! },
      { role: "input" as const, path: "small.txt", hash: hashes[1]! },
    ];
    const verifier = new InputVerifier(dir, REMEDY.local, again.seen);
    expect(verifier.check({ id: "main/t", files } as unknown as Task)).toBeUndefined();
    expect(verifier.bytesRead).toBe(2);
  });

  it("a file written just before it is hashed is read again next time (it may still be changing)", async () => {
    const dir = tmp();
    const file = path.join(dir, "f");
    const cacheFile = path.join(dir, "cache.json");
    fs.writeFileSync(file, "aaaa");
    const h1 = new ContentHasher(cacheFile);
    const a = await h1.hash(file);
    h1.save();
    // Rewritten in place: same inode, same size, and (on a coarse clock) possibly the same mtime.
    const stat = fs.statSync(file);
    fs.writeFileSync(file, "bbbb");
    fs.utimesSync(file, stat.atime, stat.mtime);
    const h2 = new ContentHasher(cacheFile);
    expect(await h2.hash(file)).not.toBe(a);
    expect(h2.bytesRead).toBe(4);
  });

  it("a same-size rewrite within the same second is still seen (mtime in nanoseconds, inode)", async () => {
    const dir = tmp();
    const file = path.join(dir, "f");
    fs.writeFileSync(file, "aaaa");
    const cacheFile = path.join(dir, "cache.json");
    const h1 = new ContentHasher(cacheFile);
    const a = await h1.hash(file);
    h1.save();
    // Replaced by a new file (new inode), with the old mtime put back.
    const stat = fs.statSync(file);
    fs.writeFileSync(file + ".new", "bbbb");
    fs.renameSync(file + ".new", file);
    fs.utimesSync(file, stat.atime, stat.mtime);
    const b = await new ContentHasher(cacheFile).hash(file);
    expect(b).not.toBe(a);
  });

  it("directories hash by names, kinds, content and the executable bit, never by order or mtime", async () => {
    const make = (order: string[], exec = false) => {
      const d = tmp();
      for (const name of order) {
        fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
        fs.writeFileSync(path.join(d, name), `content of ${name}`);
      }
      if (exec) fs.chmodSync(path.join(d, "b/c.sh"), 0o755);
      return d;
    };
    const hasher = new ContentHasher();
    const a = await hasher.hash(make(["a.txt", "b/c.sh", "b/d/e.txt"]));
    const b = await hasher.hash(make(["b/d/e.txt", "b/c.sh", "a.txt"]));
    const c = await hasher.hash(make(["a.txt", "b/c.sh", "b/d/e.txt"], true));
    const emptyDir = make(["a.txt", "b/c.sh", "b/d/e.txt"]);
    fs.mkdirSync(path.join(emptyDir, "empty"));
    const d = await hasher.hash(emptyDir);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(d).not.toBe(a);
    // A file and a directory holding it are not the same thing.
    const single = make(["x"]);
    expect(await hasher.hash(single)).not.toBe(await hasher.hash(path.join(single, "x")));
  });

  it("symbolic links in an input directory: followed, and a dangling or looping one counts by its target", async () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, "in", "sub"), { recursive: true });
    fs.writeFileSync(path.join(d, "in", "sub", "x.txt"), "x");
    fs.writeFileSync(path.join(d, "elsewhere.txt"), "e");
    const hasher = new ContentHasher();
    const plain = await hasher.hash(path.join(d, "in"));
    fs.symlinkSync("..", path.join(d, "in", "sub", "up"));
    fs.symlinkSync("missing.txt", path.join(d, "in", "dangling"));
    fs.symlinkSync(path.join(d, "elsewhere.txt"), path.join(d, "in", "linked.txt"));
    const linked = await hasher.hash(path.join(d, "in"));
    expect(linked).not.toBe(plain);
    // Following the link: the target's content counts, not the link.
    fs.writeFileSync(path.join(d, "elsewhere.txt"), "E");
    expect(await hasher.hash(path.join(d, "in"))).not.toBe(linked);
  });

  it("streams large files: hashes a file bigger than one read chunk correctly", async () => {
    const d = tmp();
    const file = path.join(d, "big");
    const data = Buffer.alloc(3 * (1 << 20) + 17, 7);
    fs.writeFileSync(file, data);
    const { createHash } = await import("node:crypto");
    const hasher = new ContentHasher();
    expect(await hasher.hash(file)).toBe(createHash("sha256").update(data).digest("hex"));
    expect(hasher.bytesRead).toBe(data.length);
  });
});
