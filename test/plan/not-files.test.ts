// Paths that name something other than a regular file (a FIFO, a device, a socket) or a
// file too large to read, wherever a user can give one: an input, a `uses` file, a
// TypeScript module, the entry or an imported `.pipe` file, a config, a params file, a
// plan for `pipe diff`, a bundle, the hash cache. Each must end at once with its
// diagnostic or error, never open the thing: the commands run as real processes with a
// timeout, since a blocking read would stall this process's own timers.
// Also the stat cache's change time: an mtime put back cannot serve an old hash.
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachePrint, ContentHasher, HASH_CACHE_VERSION } from "../../src/plan/content-hash.js";
import { cleanProjects, keysOf, mustPlan, project } from "../fixtures/plan/harness.js";

const root = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(root, "bin", "pipe.js");
afterAll(cleanProjects);

beforeAll(() => {
  if (!fs.existsSync(path.join(root, "dist", "cli", "index.js"))) throw new Error("these tests run bin/pipe.js: build dist/ first (npx tsc -p .)");
});

/** `pipe ARGS` as a process, killed after 5 s: a hang fails the test instead of the suite. */
async function pipe(dir: string, ...args: string[]) {
  const started = Date.now();
  const r = await execa("node", [bin, ...args], { cwd: dir, reject: false, timeout: 5000, env: { NO_COLOR: "1" } });
  expect(r.timedOut, `pipe ${args.join(" ")} hung`).toBe(false);
  return { code: r.exitCode, out: r.stdout, err: r.stderr, ms: Date.now() - started };
}

const CAT = `action cat(f: File) -> (o: File) { shell "cat ~{f} > ~{out.o}" }\n`;
const one = (arg: string) => `${CAT}pipeline main() -> (o: File) {\n  let c = cat(f = "${arg}")\n  return (o = c.o)\n}\n`;

describe("an input that is not a regular file or a directory", () => {
  it("a FIFO is a diagnostic at the argument that names it, without opening it", async () => {
    const dir = project({ "main.pipe": one("in.fifo") });
    execFileSync("mkfifo", [path.join(dir, "in.fifo")]);
    const r = await pipe(dir, "plan", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toContain('main.pipe:3:19: error P4012: input "in.fifo" is a FIFO (named pipe), not a regular file or a directory');
    expect(r.err).toContain("hint: its content is hashed when planning");
  });

  it("/dev/zero and /dev/null are character devices", async () => {
    for (const device of ["/dev/zero", "/dev/null"]) {
      const dir = project({ "main.pipe": one(device) });
      const r = await pipe(dir, "plan", "main.pipe");
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/error P4012: input "[./]*dev\/(zero|null)" is a character device/);
    }
  });

  it("a socket, and a link to a FIFO", async () => {
    const dir = project({ "main.pipe": `${CAT}pipeline main() {\n  let _a = cat(f = "s.sock")\n  let _b = cat(f = "link")\n}\n` });
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, "s.sock"), resolve));
    try {
      execFileSync("mkfifo", [path.join(dir, "p")]);
      fs.symlinkSync("p", path.join(dir, "link"));
      const r = await pipe(dir, "plan", "main.pipe");
      expect(r.code).toBe(2);
      expect(r.err).toContain('error P4012: input "s.sock" is a socket');
      expect(r.err).toContain('error P4012: input "link" is a FIFO (named pipe)');
    } finally {
      server.close();
    }
  });

  it("a `uses` file or a TypeScript module that is a FIFO is a diagnostic where it is named", async () => {
    const dir = project({
      "main.pipe": `action a() -> (o: File) {\n  uses "tool.sh"\n  shell "bash tool.sh > ~{out.o}"\n}\naction t() -> (n: Int) = ts "./mod.ts#f"\npipeline main() {\n  let _a = a()\n  let _t = t()\n}\n`,
    });
    execFileSync("mkfifo", [path.join(dir, "tool.sh"), path.join(dir, "mod.ts")]);
    const r = await pipe(dir, "plan", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toContain('main.pipe:2:8: error P4012: `uses` file "tool.sh" is a FIFO (named pipe)');
    expect(r.err).toContain('main.pipe:5:26: error P4012: TypeScript module "mod.ts" is a FIFO (named pipe)');
  });

  it("inside a Dir input, a FIFO is never opened: it counts by its name and kind", async () => {
    const dir = project({ "main.pipe": `action ls(d: Dir) -> (o: File) { shell "ls ~{d} > ~{out.o}" }\npipeline main() {\n  let _l = ls(d = "in")\n}\n`, "in/a.txt": "a" });
    const key = async () => {
      const r = await pipe(dir, "plan", "--plan-only", "main.pipe");
      expect(r.code, r.err).toBe(0);
      return (JSON.parse(r.out) as { tasks: { key: string }[] }).tasks[0]!.key;
    };
    const plain = await key();
    execFileSync("mkfifo", [path.join(dir, "in", "p")]);
    const withFifo = await key();
    fs.rmSync(path.join(dir, "in", "p"));
    fs.writeFileSync(path.join(dir, "in", "p"), "");
    const withFile = await key();
    expect(new Set([plain, withFifo, withFile]).size).toBe(3);
  });
});

describe("a source that cannot be read", () => {
  it("a sparse 600 MB entry file is too large, found from its size before reading", async () => {
    const dir = project({});
    execFileSync("truncate", ["-s", "600M", path.join(dir, "main.pipe")]);
    const r = await pipe(dir, "check", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toContain("main.pipe:1:1: error P1005: file is 629145600 bytes, more than the limit of 8388608");
    expect(r.ms).toBeLessThan(3000);
  });

  it("an import that is too large, or a FIFO, is a diagnostic at the import", async () => {
    const dir = project({ "main.pipe": `import "./big.pipe"\nimport "./fifo.pipe"\npipeline main() {}\n` });
    execFileSync("truncate", ["-s", "600M", path.join(dir, "big.pipe")]);
    execFileSync("mkfifo", [path.join(dir, "fifo.pipe")]);
    const r = await pipe(dir, "check", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toContain("big.pipe:1:1: error P1005: file is 629145600 bytes");
    expect(r.err).toContain('main.pipe:2:8: error P2015: cannot read module "./fifo.pipe": it is a FIFO (named pipe), not a regular file');
  });

  it("an entry file that is a FIFO", async () => {
    const dir = project({});
    execFileSync("mkfifo", [path.join(dir, "main.pipe")]);
    for (const command of ["check", "plan"]) {
      const r = await pipe(dir, command, "main.pipe");
      expect(r.code).toBe(2);
      expect(r.err).toContain('main.pipe:1:1: error P2015: cannot read module "main.pipe": it is a FIFO (named pipe), not a regular file');
    }
    const fmt = await pipe(dir, "fmt", "--check", "main.pipe");
    expect(fmt.code).toBe(2);
    expect(fmt.err).toContain("pipe fmt: main.pipe is a FIFO (named pipe), not a regular file");
  });
});

describe("other files a user names", () => {
  it("a config, a params file, a plan for pipe diff and a bundle that are FIFOs are refused at once", async () => {
    const dir = project({ "main.pipe": `${CAT}pipeline main(x: Int = 1) {}\n` });
    for (const name of ["pipe.config.json", "params.json", "a.json", "bundle/bundle.json"]) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      execFileSync("mkfifo", [path.join(dir, name)]);
    }
    const config = await pipe(dir, "plan", "main.pipe");
    expect(config.code).toBe(2);
    expect(config.err).toMatch(/error P4004: invalid config: \S*pipe\.config\.json is a FIFO \(named pipe\), not a regular file/);
    fs.rmSync(path.join(dir, "pipe.config.json"));
    const params = await pipe(dir, "plan", "main.pipe", "--params", "params.json");
    expect(params.code).toBe(2);
    expect(params.err).toContain("error P4009: invalid params file: params.json is a FIFO (named pipe), not a regular file");
    const diff = await pipe(dir, "diff", "a.json", "main.pipe");
    expect(diff.code).toBe(2);
    expect(diff.err).toContain("pipe diff: a.json: it is a FIFO (named pipe), not a regular file");
    const status = await pipe(dir, "status", "bundle");
    expect(status.code).toBe(2);
    expect(status.err).toContain("bundle.json is a FIFO (named pipe), not a regular file");
  });

  it("a meta.json in the store that is a FIFO is passed over by pipe why", async () => {
    const dir = project({ "main.pipe": one("x.txt"), "x.txt": "x" });
    const entry = path.join(dir, ".pipe", "store", "0123456789abcdef0123456789abcdef");
    fs.mkdirSync(entry, { recursive: true });
    execFileSync("mkfifo", [path.join(entry, "meta.json")]);
    const r = await pipe(dir, "why", "main/c", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("the store has no earlier run of main/c to compare with");
  });

  it("a hash cache that is a FIFO is ignored, not read", async () => {
    const dir = project({ "main.pipe": one("x.txt"), "x.txt": "x" });
    fs.mkdirSync(path.join(dir, ".pipe"));
    execFileSync("mkfifo", [path.join(dir, ".pipe", "hash-cache.json")]);
    const r = await pipe(dir, "plan", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("main/c");
  });
});

describe("the stat cache and a restored mtime", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A same-size edit whose mtime is put back, as `touch -r` does after the edit. */
  function editKeepingMtime(file: string, text: string): void {
    const ref = `${file}.ref`;
    execFileSync("cp", ["-p", file, ref]);
    fs.writeFileSync(file, text);
    execFileSync("touch", ["-r", ref, file]);
    fs.rmSync(ref);
  }

  it("a same-size edit with its mtime put back is hashed again, and its key changes", async () => {
    const dir = project({ "main.pipe": one("data.txt"), "data.txt": "aaaa\n" });
    const file = path.join(dir, "data.txt");
    // Settled, so that the stat cache trusts it.
    const then = new Date(Date.now() - 3600_000);
    fs.utimesSync(file, then, then);
    const cacheFile = path.join(dir, ".pipe", "hash-cache.json");
    const before = keysOf(await mustPlan(dir, { hasher: new ContentHasher(cacheFile) }));
    const unchanged = new ContentHasher(cacheFile);
    expect(keysOf(await mustPlan(dir, { hasher: unchanged }))).toEqual(before);
    expect(unchanged.bytesRead).toBe(0);
    const mtime = fs.statSync(file).mtimeMs;
    await sleep(20); // past the file system's timestamp granularity, so the ctime moves
    editKeepingMtime(file, "bbbb\n");
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    const after = new ContentHasher(cacheFile);
    expect(keysOf(await mustPlan(dir, { hasher: after }))["main/c"]).not.toBe(before["main/c"]);
    expect(after.bytesRead).toBe(5);
  });

  it("pipe run reruns the task after such an edit", async () => {
    const dir = project({ "main.pipe": one("data.txt"), "data.txt": "aaaa\n" });
    const file = path.join(dir, "data.txt");
    const then = new Date(Date.now() - 3600_000);
    fs.utimesSync(file, then, then);
    const output = (out: string) => fs.readFileSync(/^o = (.*)$/m.exec(out)![1]!, "utf8");
    const first = await pipe(dir, "run", "main.pipe");
    expect(first.code).toBe(0);
    expect(output(first.out)).toBe("aaaa\n");
    await sleep(20);
    editKeepingMtime(file, "bbbb\n");
    const second = await pipe(dir, "run", "main.pipe");
    expect(second.code).toBe(0);
    expect(second.err).toContain("1 to run");
    expect(output(second.out)).toBe("bbbb\n");
  });

  it("a stat cache entry whose hash is not 64 lowercase hex digits is not trusted; one that is, is", async () => {
    const dir = project({ "f.txt": "real" });
    const file = path.join(dir, "f.txt");
    const stat = fs.statSync(file, { bigint: true });
    const cacheFile = path.join(dir, "cache.json");
    const print = cachePrint(stat);
    const hex = "0123456789abcdef".repeat(4);
    const records: unknown[] = [
      ...["A".repeat(64), "0".repeat(63), "0".repeat(65), `${"0".repeat(63)}g`, `${"0".repeat(63)}/`].map((h) => `${print} ${h}`),
      7,
      null,
      { hash: hex },
      [print, hex],
      `${print}  ${hex}`.slice(0, -1),
      `${print}0 ${hex}`,
      `${print.replace(/ \S+$/, " 1")} ${hex}`,
      `${print}`,
    ];
    for (const record of records) {
      fs.writeFileSync(cacheFile, JSON.stringify({ version: HASH_CACHE_VERSION, entries: [file, record] }));
      const hasher = new ContentHasher(cacheFile);
      expect(hasher.knownFileHash(file)).toBeUndefined();
      expect(await hasher.hash(file)).toMatch(/^[0-9a-f]{64}$/);
      expect(hasher.bytesRead).toBe(4);
    }
    fs.writeFileSync(cacheFile, JSON.stringify({ version: HASH_CACHE_VERSION, entries: [7, `${print} ${hex}`, file, `${print} ${hex}`, "odd"] }));
    const hasher = new ContentHasher(cacheFile);
    expect(await hasher.hash(file)).toBe(hex);
    expect(hasher.bytesRead).toBe(0);
  });

  it("a stat cache record reads the same from a plain stat as from a full one, at any time a file can have", () => {
    const dir = project({ "f.txt": "real" });
    const file = path.join(dir, "f.txt");
    const same = () => expect(cachePrint(fs.statSync(file))).toBe(cachePrint(fs.statSync(file, { bigint: true })));
    same();
    // Seconds with fractions (to the nanosecond, as far as a double holds them), before 1970, far ahead.
    fc.assert(
      fc.property(fc.double({ min: -2e9, max: 4e9, noNaN: true }), (seconds) => {
        fs.utimesSync(file, seconds, seconds);
        same();
      }),
      { numRuns: 500 },
    );
    for (const seconds of [0, -0.5, -1, 1e-9, 1.999999999, 1733200000.123456789]) {
      fs.utimesSync(file, seconds, seconds);
      same();
    }
    // Times a microsecond apart read apart.
    fs.utimesSync(file, 1733200000.000001, 1733200000.000001);
    const before = cachePrint(fs.statSync(file));
    fs.utimesSync(file, 1733200000.000002, 1733200000.000002);
    expect(cachePrint(fs.statSync(file))).not.toBe(before);
  });

  it("a stat cache of an earlier format is ignored, not trusted", async () => {
    const dir = project({ "f.txt": "real" });
    const file = path.join(dir, "f.txt");
    const stat = fs.statSync(file, { bigint: true });
    const cacheFile = path.join(dir, "cache.json");
    const entry = { dev: Number(stat.dev), ino: Number(stat.ino), size: Number(stat.size), mtimeNs: stat.mtimeNs.toString(), hash: "0".repeat(64) };
    const print = `${stat.dev} ${stat.ino} ${stat.size} ${stat.mtimeNs} ${stat.ctimeNs} ${"0".repeat(64)}`;
    for (const cache of [
      { version: 1, entries: { [file]: entry } },
      { version: 2, entries: { [file]: { ...entry, ctimeNs: stat.ctimeNs.toString() } } },
      { version: 2, entries: [file, print] },
      // 3: the times in nanoseconds.
      { version: 3, entries: [file, print] },
      { entries: [file, print] },
    ]) {
      fs.writeFileSync(cacheFile, JSON.stringify(cache));
      const hasher = new ContentHasher(cacheFile);
      expect(await hasher.hash(file)).not.toBe("0".repeat(64));
      expect(hasher.bytesRead).toBe(4);
    }
  });
});
