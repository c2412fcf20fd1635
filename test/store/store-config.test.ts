// A store that cannot hold a store is a diagnostic (P4011, exit 2) before anything runs:
// `pipe run`, `pipe emit slurm` and `pipe submit` each probe it. Also `"store": ""` and
// `local.gpus` in the config's schema. Unwritable directories are made as root (as CI runs)
// with `chattr +i` or a read-only tmpfs; where neither can be made the test says so.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { loadConfig } from "../../src/config/index.js";
import { nodeFileHost } from "../../src/host.js";
import { recordingIo } from "../helpers.js";
import { root } from "../local-harness.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

const HELLO = `action hello() -> (g: File) { shell "echo hi > ~{out.g} && touch ran" }\npipeline main() -> (g: File) {\n  let h = hello()\n  return (g = h.g)\n}\n`;

const undo: (() => void)[] = [];
afterAll(() => {
  for (const u of undo.splice(0).reverse()) u();
  cleanProjects();
});

async function pipe(dir: string, ...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Whatever the directory holds, recursively, as relative paths. */
const contents = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
/** What planning writes whatever happens next: the stat cache of input hashes. */
const notHashCache = (f: string) => f !== ".pipe" && f !== path.join(".pipe", "hash-cache.json");

function tryRun(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** An existing directory no process may create entries in, even root's; undefined when this machine cannot make one. */
function unwritableDir(parent: string, how: "immutable" | "read-only mount"): string | undefined {
  const dir = path.join(parent, how === "immutable" ? "frozen" : "ro");
  fs.mkdirSync(dir);
  if (how === "immutable") {
    if (!tryRun("chattr", ["+i", dir])) return undefined;
    undo.push(() => tryRun("chattr", ["-i", dir]));
  } else {
    if (!tryRun("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", dir])) return undefined;
    undo.push(() => tryRun("umount", [dir]));
  }
  return dir;
}

describe("a store that cannot be one", () => {
  const cases: { name: string; store: (dir: string) => string | undefined; message: RegExp }[] = [
    { name: "a file", store: (dir) => (fs.writeFileSync(path.join(dir, "afile"), "x"), "afile"), message: /the store \S+\/afile is a file/ },
    { name: "/dev/null", store: () => "/dev/null", message: /the store \/dev\/null is a device/ },
    { name: "a path under a file", store: (dir) => (fs.writeFileSync(path.join(dir, "afile"), "x"), "afile/store"), message: /the store \S+\/afile\/store is under \S+\/afile, which is a file/ },
    { name: "a path under /proc", store: () => "/proc/pipe-store", message: /the store \/proc\/pipe-store is on the kernel's proc file system/ },
    { name: "an immutable directory", store: (dir) => unwritableDir(dir, "immutable"), message: /the store \S+\/frozen cannot be created or written: operation not permitted/ },
    { name: "a directory on a read-only mount", store: (dir) => unwritableDir(dir, "read-only mount"), message: /the store \S+\/ro cannot be created or written: a read-only file system/ },
  ];

  it.each(cases)("$name: pipe run and pipe emit slurm exit 2 with P4011 on the config's \"store\", nothing run or created", async ({ store, message }, ctx) => {
    const dir = project({ "main.pipe": HELLO });
    const where = store(dir);
    if (where === undefined) {
      console.warn(`store-config.test.ts: cannot make an unwritable directory here (chattr +i and mount -t tmpfs -o ro both failed; run as root)`);
      return ctx.skip();
    }
    fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ store: where }));
    const before = contents(dir);
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain("pipe.config.json:1:2: error P4011:");
    expect(r.err).toContain('hint: set the "store" of the config to a directory this machine can write');
    const emit = await pipe(dir, "emit", "slurm", "main.pipe", "-o", "bundle");
    expect(emit.code).toBe(2);
    expect(emit.err).toMatch(message);
    // Nothing ran, nothing was written (the hash cache aside): no run record, no bundle, no store.
    expect(contents(dir).filter(notHashCache)).toEqual(before);
    expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
    expect(fs.existsSync(path.join(dir, ".pipe", "runs"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "bundle"))).toBe(false);
  }, 20_000);

  it("pipe submit probes the store its bundle names", async () => {
    const dir = project({ "main.pipe": HELLO });
    expect((await pipe(dir, "emit", "slurm", "main.pipe", "-o", "bundle")).code).toBe(0);
    const store = path.join(dir, ".pipe", "store");
    fs.rmSync(store, { recursive: true });
    fs.writeFileSync(store, "in the way");
    const r = await pipe(dir, "submit", "bundle");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error P4011: the store ${store} is a file`);
    expect(r.err).toContain("hint: the store is PIPE_STORE in");
    expect(fs.existsSync(path.join(dir, "bundle", "jobs.tsv"))).toBe(false);
  });

  it('"store": "" is a config error, and nothing lands in the project directory', async () => {
    const dir = project({ "main.pipe": HELLO, "pipe.config.json": '{ "store": "" }' });
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toContain('pipe.config.json:1:3: error P4004: invalid config: store: an empty path: name a directory (the default is ".pipe/store")');
    expect(contents(dir).filter(notHashCache)).toEqual(["main.pipe", "pipe.config.json"]);
  });

  it("a good store passes the probe and leaves nothing of it behind", async () => {
    const dir = project({ "main.pipe": HELLO });
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code, r.err).toBe(0);
    expect(fs.readdirSync(path.join(dir, ".pipe", "store", ".tmp"))).toEqual([]);
  });
});

describe("directories pipe makes", () => {
  // Node's recursive mkdir never returns under /proc, and signals do not reach it.
  it("pipe emit slurm -o under /proc fails at once (exit 2) instead of hanging", async () => {
    const dir = project({ "main.pipe": HELLO });
    // A process of its own: a hang would block this one, timers and all.
    const r = await execa("node", [path.join(root, "bin", "pipe.js"), "emit", "slurm", "main.pipe", "-o", "/proc/pipe-bundle/sub"], { cwd: dir, reject: false, timeout: 10_000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("pipe: cannot write the bundle in /proc/pipe-bundle/sub: ENOENT");
  });
});

describe("local.gpus", () => {
  it.each([
    { gpus: [0, 0], message: "local.gpus: GPU ids must be distinct" },
    { gpus: [0, -1], message: "local.gpus.1: Too small: expected number to be >=0" },
    { gpus: ["0"], message: "local.gpus.0: Invalid input: expected number, received string" },
    { gpus: [1.5], message: "local.gpus.0: Invalid input: expected int, received number" },
  ])("$gpus is a P4004 on the gpus key", ({ gpus, message }) => {
    const text = `{\n  "local": { "gpus": ${JSON.stringify(gpus)} }\n}\n`;
    const dir = project({ "main.pipe": HELLO, "pipe.config.json": text });
    const { config, diagnostics } = loadConfig(dir, undefined, nodeFileHost);
    expect(config).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.message, text.slice(d.span!.start, d.span!.end)])).toEqual([["P4004", `invalid config: ${message}`, '"gpus"']]);
  });

  it("distinct non-negative integers are GPU ids", () => {
    const dir = project({ "main.pipe": HELLO, "pipe.config.json": '{ "local": { "gpus": [2, 0, 1] } }' });
    expect(loadConfig(dir, undefined, nodeFileHost).config!.local.gpus).toEqual([2, 0, 1]);
  });
});

describe("a full disk", () => {
  /** A fresh tmpfs of `options` mounted on a new directory of `dir`; undefined when this machine cannot mount one. */
  function smallDisk(dir: string, options: string): string | undefined {
    const mnt = path.join(dir, "disk");
    fs.mkdirSync(mnt);
    if (!tryRun("mount", ["-t", "tmpfs", "-o", options, "tmpfs", mnt])) return undefined;
    undo.push(() => tryRun("umount", [mnt]));
    return mnt;
  }
  const FILL = `action fill(i: Int) -> (o: File) {\n  shell "head -c 400k /dev/zero > ~{out.o} || true"\n}\npipeline main() -> (xs: List[File]) {\n  let s = for i in [1, 2, 3] { fill(i = i) }\n  return (xs = s.o)\n}\n`;

  it("when the store's disk is full before the run, P4011 says so and nothing is left in .locks", async (ctx) => {
    const dir = project({ "main.pipe": HELLO });
    const disk = smallDisk(dir, "size=256k");
    if (!disk) {
      console.warn("store-config.test.ts: cannot mount a tmpfs here (needs root): the full-disk tests do not run");
      return ctx.skip();
    }
    fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ store: path.join(disk, "store") }));
    fs.mkdirSync(path.join(disk, "store", ".tmp"), { recursive: true });
    tryRun("bash", ["-c", `head -c 300k /dev/zero > ${path.join(disk, "filler")}`]);
    const r = await pipe(dir, "run", "main.pipe");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error P4011: the store ${path.join(disk, "store")} is not writable: no space left on the device`);
    expect(fs.existsSync(path.join(disk, "store", ".locks"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
  });

  it.each([
    { options: "size=256k", what: "the data (meta.json)", message: /pipe: main\/s\[i=\d\]: cannot write meta\.json: ENOSPC: no space left on device/ },
    { options: "size=1m,nr_inodes=8", what: "the inodes (locks, work directories)", message: /pipe: main\/s\[i=\d\]: cannot (lock the key of|prepare) the task: ENOSPC: no space left on device/ },
  ])("when $what run out during the run, the tasks fail with a clear message and no lock is left", async ({ options, message }, ctx) => {
    const dir = project({ "main.pipe": FILL });
    const disk = smallDisk(dir, options);
    if (!disk) {
      console.warn("store-config.test.ts: cannot mount a tmpfs here (needs root): the full-disk tests do not run");
      return ctx.skip();
    }
    const store = path.join(disk, "store");
    fs.writeFileSync(path.join(dir, "pipe.config.json"), JSON.stringify({ store }));
    const r = await pipe(dir, "run", "main.pipe", "-j", "2", "--keep-going");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toContain("internal error");
    // Each failed task is reported with exit 1, none as killed by a signal.
    expect(r.err).toMatch(/failed: main\/s\[i=\d\] \(exit 1\)/);
    expect(r.err).not.toContain("(exit signal)");
    expect(fs.readdirSync(path.join(store, ".locks")), r.err).toEqual([]);
    expect(fs.readdirSync(path.join(store, ".tmp")), r.err).toEqual([]);
    // A task whose output fit (space freed by another's failure) may commit: whole, with its meta.json.
    for (const entry of fs.readdirSync(store).filter((n) => !n.startsWith("."))) expect(fs.existsSync(path.join(store, entry, "meta.json"))).toBe(true);
  }, 20_000);
});
