// A task runs only what its key was computed from (plan/verify-inputs.ts): a bundle's task
// script whose `uses` script or directory input was edited after `pipe emit slurm` fails
// naming the file and stores nothing, and a later `pipe run` computes its own result;
// submit.sh and `pipe submit` refuse such a bundle unless --ignore-changes (sbatch is a shim
// here: the real Slurm is in test/slurm/submit.test.ts); a directory is walked once per
// Slurm job behind its stamp; the local backend refuses a task whose `uses` file an earlier
// task of the run edited; large files are trusted by their stat fingerprint.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { readBundlePlan } from "../../src/backends/slurm/bundle.js";
import { run } from "../../src/cli/index.js";
import type { Plan, Task } from "../../src/plan/plan.js";
import { InputVerifier, REMEDY } from "../../src/plan/verify-inputs.js";
import { recordingIo } from "../helpers.js";
import { cleanLocalProjects, localProject, readRuns, root, storeKeys, tmpLeft } from "../local-harness.js";

afterAll(cleanLocalProjects);

async function pipe(dir: string, ...args: string[]) {
  return pipeWith({ PATH: process.env["PATH"] }, dir, ...args);
}

async function pipeWith(env: Record<string, string | undefined>, dir: string, ...args: string[]) {
  const io = recordingIo(dir, env);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const sha = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");
const planOf = (bundle: string): Plan => {
  const read = readBundlePlan(bundle);
  if (!read.ok) throw new Error(read.error);
  return read.value;
};
const hashOf = (plan: Plan, file: string) => plan.tasks[0]!.files.find((f) => f.path === file)!.hash;

/** A copy of test/fixtures/slurm/inputs emitted as a bundle, and a directory of shims first on PATH (node counts its calls, sbatch records them). */
async function emitted(fixture = "../slurm/inputs"): Promise<{ dir: string; bundle: string; shims: string; env: Record<string, string> }> {
  const dir = localProject(fixture);
  const bundle = path.join(dir, "bundle");
  expect((await pipe(dir, "emit", "slurm", "main.pipe", "-o", bundle)).code).toBe(0);
  const shims = path.join(dir, "shims");
  fs.mkdirSync(shims);
  const node = (await execa("bash", ["-c", "command -v node"])).stdout.trim();
  fs.writeFileSync(path.join(shims, "node"), `#!/usr/bin/env bash\necho "$*" >> ${JSON.stringify(path.join(dir, "node.log"))}\nexec ${node} "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(shims, "sbatch"), `#!/usr/bin/env bash\necho "$*" >> ${JSON.stringify(path.join(dir, "sbatch.log"))}\necho 4242\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(shims, "squeue"), "#!/usr/bin/env bash\n", { mode: 0o755 });
  const env: Record<string, string> = { PATH: `${shims}:${process.env["PATH"]}`, PIPE_STORE: path.join(dir, ".pipe", "store"), PIPE_PROJECT: dir, PIPE_HOME: root };
  return { dir, bundle, shims, env };
}

/** Runs task N of the bundle (index N of its job array `job`) by hand: `bash jobs/s.sh N`. */
function task(b: { bundle: string; env: Record<string, string> }, n: number, extra: Record<string, string> = {}, job = "s") {
  return execa("bash", [path.join(b.bundle, "jobs", `${job}.sh`), String(n)], { reject: false, env: { ...b.env, ...extra }, extendEnv: false });
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

describe("a bundle's task scripts", () => {
  it("refuse to run an edited uses script, store nothing, and a later pipe run computes its own result", async () => {
    const b = await emitted();
    const plan = planOf(b.bundle);
    expect((await task(b, 0)).exitCode).toBe(0);
    expect(storeKeys(b.dir)).toEqual([plan.tasks[0]!.key]);

    const edited = 'echo "v2 $2"\n';
    fs.writeFileSync(path.join(b.dir, "scripts/step.sh"), edited);
    const refused = await task(b, 1);
    expect(refused.exitCode).toBe(65);
    expect(refused.stderr).toBe(
      `pipe: main/s[i=2]: scripts/step.sh changed since the plan was made (sha256 ${sha(edited).slice(0, 8)}…, the key has ${hashOf(plan, "scripts/step.sh").slice(0, 8)}…): emit the bundle again`,
    );
    expect(storeKeys(b.dir)).toEqual([plan.tasks[0]!.key]);
    expect(tmpLeft(b.dir)).toEqual([]);

    // Its job does not retry it (the action has retries = 2).
    const job = await execa("bash", ["jobs/s.sh"], { cwd: b.bundle, reject: false, env: { ...b.env, SLURM_ARRAY_TASK_ID: "2", SLURM_SUBMIT_DIR: b.bundle }, extendEnv: false });
    expect(job.exitCode).toBe(65);
    expect(job.stderr).not.toContain("retrying");
    expect(storeKeys(b.dir)).toEqual([plan.tasks[0]!.key]);

    const after = await pipe(b.dir, "run", "main.pipe");
    expect(after.code, after.err).toBe(0);
    expect(after.out).toBe("xs = [v2 1, v2 2, v2 3]\n");
  });

  it("leave a command's own exit status 65 to its job's retries", async () => {
    const b = await emitted();
    // The task's first attempt exits 65 as a command may (EX_DATAERR); its second succeeds.
    fs.writeFileSync(path.join(b.dir, "scripts/step.sh"), 'if [ ! -e "$PIPE_PROJECT/tried" ]; then : > "$PIPE_PROJECT/tried"; exit 65; fi\necho "ok $2"\n');
    expect((await pipe(b.dir, "emit", "slurm", "main.pipe", "-o", b.bundle)).code).toBe(0);
    const job = await execa("bash", ["jobs/s.sh"], { cwd: b.bundle, reject: false, env: { ...b.env, SLURM_ARRAY_TASK_ID: "0", SLURM_SUBMIT_DIR: b.bundle }, extendEnv: false });
    expect(job.stderr).toContain("attempt 1 of 3 failed (status 65); retrying");
    expect(job.exitCode, job.stderr).toBe(0);
    expect(storeKeys(b.dir)).toEqual([planOf(b.bundle).tasks[0]!.key]);
  });

  it("refuse a directory input edited after emit", async () => {
    const b = await emitted();
    fs.writeFileSync(path.join(b.dir, "data", "c.txt"), "c\n");
    const refused = await task(b, 0);
    expect(refused.exitCode).toBe(65);
    expect(refused.stderr).toMatch(/^pipe: main\/s\[i=1\]: data changed since the plan was made \(sha256 [0-9a-f]{8}…, the key has [0-9a-f]{8}…\): emit the bundle again$/);
    expect(storeKeys(b.dir)).toEqual([]);
    fs.rmSync(path.join(b.dir, "data", "c.txt"));
    expect((await task(b, 0)).exitCode).toBe(0);
  });

  it("walk a directory once per Slurm job (its stamp), every time outside Slurm, and again when its stamp is stale", async () => {
    const b = await emitted();
    const walks = () => lines(path.join(b.dir, "node.log")).filter((l) => l.includes("verify-input.js")).length;
    for (const n of [0, 1, 2]) expect((await task(b, n, { SLURM_ARRAY_JOB_ID: "1001", SLURM_JOB_ID: "1002" })).exitCode).toBe(0);
    expect(walks()).toBe(1);
    expect(fs.readdirSync(path.join(b.env["PIPE_STORE"]!, ".verified"))).toEqual(["1001"]);
    expect(fs.readdirSync(path.join(b.env["PIPE_STORE"]!, ".verified", "1001"))).toHaveLength(1);

    // Another job walks it again, once; by hand, every task does.
    for (const n of [0, 1, 2]) expect((await task(b, n, { SLURM_JOB_ID: "2001", PIPE_FORCE: "1" })).exitCode).toBe(0);
    expect(walks()).toBe(2);
    for (const n of [0, 1, 2]) expect((await task(b, n, { PIPE_FORCE: "1" })).exitCode).toBe(0);
    expect(walks()).toBe(5);

    // A stamp is trusted only while the directory's own stat is what it was when stamped.
    fs.writeFileSync(path.join(b.dir, "data", "c.txt"), "c\n");
    const refused = await task(b, 1, { SLURM_JOB_ID: "2001", PIPE_FORCE: "1" });
    expect(refused.exitCode).toBe(65);
    expect(refused.stderr).toContain("data changed since the plan was made");
    expect(walks()).toBe(6);
  });
});

describe("submitting a bundle whose files changed", () => {
  it("is refused by submit.sh and pipe submit, naming the file, and goes on with --ignore-changes", async () => {
    const b = await emitted();
    fs.writeFileSync(path.join(b.dir, "scripts/step.sh"), 'echo "v2 $2"\n');
    const sbatch = () => lines(path.join(b.dir, "sbatch.log"));

    const bash = await execa("bash", [path.join(b.bundle, "submit.sh")], { reject: false, env: { PATH: b.env["PATH"]! }, extendEnv: false });
    expect(bash.exitCode).toBe(2);
    expect(bash.stderr).toMatch(/^pipe: scripts\/step\.sh changed since the plan was made \(sha256 [0-9a-f]{8}…, the key has [0-9a-f]{8}…\): emit the bundle again$/m);
    expect(bash.stderr).toContain("nothing was submitted: 1 file changed since the bundle was written; emit it again, or submit anyway with: bash submit.sh --ignore-changes");
    expect(bash.stderr).not.toContain("data");
    const viaPipe = await pipeWith(b.env, b.dir, "submit", "bundle");
    expect(viaPipe.code).toBe(2);
    expect(viaPipe.err).toMatch(/^pipe: scripts\/step\.sh changed since the plan was made/m);
    expect(viaPipe.err).toContain("submit anyway with: pipe submit bundle --ignore-changes");
    expect(sbatch()).toEqual([]);
    expect(lines(path.join(b.bundle, "jobs.tsv"))).toHaveLength(1);

    const goOn = await execa("bash", [path.join(b.bundle, "submit.sh"), "--ignore-changes"], { reject: false, env: { PATH: b.env["PATH"]! }, extendEnv: false });
    expect(goOn.exitCode, goOn.stderr).toBe(0);
    expect(sbatch()).toHaveLength(1);
    fs.rmSync(path.join(b.bundle, "jobs.tsv"));
    const goOnPipe = await pipeWith(b.env, b.dir, "submit", "bundle", "--ignore-changes");
    expect(goOnPipe.code, goOnPipe.err).toBe(0);
    expect(sbatch()).toHaveLength(2);
  });

  it("only minds the files of tasks still to run", async () => {
    const b = await emitted();
    for (const n of [0, 1, 2]) expect((await task(b, n)).exitCode).toBe(0);
    fs.writeFileSync(path.join(b.dir, "scripts/step.sh"), 'echo "v2 $2"\n');
    const bash = await execa("bash", [path.join(b.bundle, "submit.sh")], { reject: false, env: { PATH: b.env["PATH"]! }, extendEnv: false });
    expect(bash.exitCode, bash.stderr).toBe(0);
    expect(bash.stdout).toContain("3 tasks already in the store");
    expect((await pipeWith(b.env, b.dir, "submit", "bundle")).code).toBe(0);
  });
});

describe("a bundle's list of the files to check", () => {
  const submit = (b: { bundle: string; env: Record<string, string> }) => execa("bash", [path.join(b.bundle, "submit.sh")], { reject: false, env: { PATH: b.env["PATH"]! }, extendEnv: false });

  it("names a file the tasks of a table share once, a task's own by its row", async () => {
    const b = await emitted("../slurm/own-inputs");
    const plan = planOf(b.bundle);
    const text = fs.readFileSync(path.join(b.bundle, "inputs.tsv"), "utf8");
    const fields = text.split("\n").filter(Boolean).map((l) => l.split("\t").slice(0, 3));
    expect(fields).toEqual([
      ["jobs/c.tasks", "0", "data/a.txt"],
      ["jobs/c.tasks", "1", "data/b.txt"],
      ["jobs/c.tasks", "2", "data/c.txt"],
      ["jobs/c.tasks", "*", "scripts/count.sh"],
    ]);
    const own = plan.tasks.map((t) => t.files.find((f) => f.role === "input")!);
    for (const [i, f] of own.entries()) expect(text).toContain(`jobs/c.tasks\t${i}\t${f.path}\t${f.hash}\t`);
  });

  it("lets submit.sh mind a task's own file only while that task is still to run", async () => {
    const b = await emitted("../slurm/own-inputs");
    const sbatch = () => lines(path.join(b.dir, "sbatch.log"));
    expect((await task(b, 0, {}, "c")).exitCode).toBe(0);
    fs.appendFileSync(path.join(b.dir, "data/a.txt"), "edited\n");
    const done = await submit(b);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(sbatch()).toEqual(["--parsable --kill-on-invalid-dep=yes --array=1-2 jobs/c.sh"]);

    fs.rmSync(path.join(b.bundle, "jobs.tsv"));
    fs.appendFileSync(path.join(b.dir, "data/c.txt"), "edited\n");
    const refused = await submit(b);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/^pipe: data\/c\.txt changed since the plan was made/m);
    expect(refused.stderr).toContain("nothing was submitted: 1 file changed since the bundle was written");
    expect(refused.stderr).not.toContain("a.txt");
    expect(sbatch()).toHaveLength(1);
  });

  it("lets submit.sh refuse a shared file's change for every row", async () => {
    const b = await emitted("../slurm/own-inputs");
    fs.appendFileSync(path.join(b.dir, "scripts/count.sh"), "# edited\n");
    const refused = await submit(b);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/^pipe: scripts\/count\.sh changed since the plan was made/m);
  });
});

describe("the local backend", () => {
  it("fails a task whose uses file an earlier task of the run edited, unretried, storing nothing", async () => {
    const dir = localProject("edits");
    const first = await pipe(dir, "run", "main.pipe");
    expect(first.code).toBe(1);
    const edited = sha("echo v2\n");
    const plan = JSON.parse(fs.readFileSync(path.join(readRuns(dir)[0]!.dir, "plan.json"), "utf8")) as Plan;
    const later = plan.tasks.find((t) => t.id === "main/l")!;
    expect(first.err).toContain(`pipe: main/l: scripts/later.sh changed since the plan was made (sha256 ${edited.slice(0, 8)}…, the key has ${later.files[0]!.hash.slice(0, 8)}…): run again to plan with it`);
    expect(storeKeys(dir)).toEqual([plan.tasks.find((t) => t.id === "main/e")!.key]);
    const record = readRuns(dir)[0]!.tasks.find((t) => t.id === "main/l")!;
    expect(record).toMatchObject({ state: "failed", exitCode: 65, attempts: 1 });

    const second = await pipe(dir, "run", "main.pipe");
    expect(second.code, second.err).toBe(0);
    expect(second.out).toBe("o = v2\n");
  });

  it("reads small files at every check, and a large one only when its stat changed", () => {
    const dir = localProject("edits");
    const big = path.join(dir, "big.bin");
    fs.writeFileSync(big, Buffer.alloc(3 << 20, 1));
    const small = path.join(dir, "small.txt");
    fs.writeFileSync(small, "s\n");
    const files = [
      { role: "input" as const, path: "big.bin", hash: sha(fs.readFileSync(big)) },
      { role: "uses" as const, path: "small.txt", hash: sha("s\n") },
    ];
    const t = { id: "main/t", files } as unknown as Task;
    const seen = new Map([[big, fs.statSync(big, { bigint: true })]]);
    const verifier = new InputVerifier(dir, REMEDY.local, seen);
    expect(verifier.check(t)).toBeUndefined();
    expect(verifier.check(t)).toBeUndefined();
    expect(verifier.bytesRead).toBe(4);

    // Same size, other bytes: the fingerprint differs, so it is read, and found changed.
    const other = Buffer.alloc(3 << 20, 1);
    other[0] = 2;
    fs.writeFileSync(big, other);
    expect(verifier.check(t)).toBe(`big.bin changed since the plan was made (sha256 ${createHash("sha256").update(other).digest("hex").slice(0, 8)}…, the key has ${files[0]!.hash.slice(0, 8)}…): run again to plan with it`);
    expect(verifier.bytesRead).toBe(4 + (3 << 20));
    fs.rmSync(small);
    fs.writeFileSync(big, Buffer.alloc(3 << 20, 1));
    expect(verifier.check(t)).toBe(`small.txt is gone since the plan was made (the key has ${files[1]!.hash.slice(0, 8)}…): run again to plan with it`);
  });
});
