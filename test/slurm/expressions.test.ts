// Expressions on the real single-node Slurm (test/slurm/start-slurm.sh): normative example
// 8 (examples/flags) prints the same flags there as locally, and a task's resources computed
// from a parameter reach its job script's directives and the job Slurm runs.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";
import { bundlePlan, startTestSlurm } from "./cluster.js";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-slurm-expr-"));
let slurm = false;

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm expression tests");
});

afterAll(async () => {
  for (const dir of fs.readdirSync(tmp)) {
    if (fs.existsSync(path.join(tmp, dir, "bundle", "jobs.tsv"))) await run(["cancel", path.join(tmp, dir, "bundle")], recordingIo(tmp));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const need = (ctx: TestContext) => {
  if (!slurm) ctx.skip();
};

async function submitted(name: string, text: string, params: string[] = []): Promise<{ store: string; bundle: string }> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, "proj"), { recursive: true });
  fs.writeFileSync(path.join(dir, "proj", "main.pipe"), text);
  fs.writeFileSync(path.join(dir, "proj", "pipe.config.json"), JSON.stringify({ store: "../store", slurm: { extraArgs: ["--oversubscribe"] } }));
  const bundle = path.join(dir, "bundle");
  const emit = recordingIo(tmp);
  expect(await run(["emit", "slurm", path.join(dir, "proj", "main.pipe"), "-o", bundle, ...params], emit), emit.stderr()).toBe(0);
  const submit = recordingIo(tmp);
  expect(await run(["submit", bundle], submit), submit.stderr()).toBe(0);
  // Done when every task's entry is in the store (or a job has failed, which the caller sees).
  const plan = bundlePlan(bundle);
  const store = path.join(dir, "store");
  const deadline = Date.now() + 180_000;
  while (!plan.tasks.every((t) => fs.existsSync(path.join(store, t.key, "meta.json")))) {
    if (Date.now() > deadline) throw new Error(`${name}: not done after 180 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { store, bundle };
}

describe("expressions on a real Slurm", () => {
  it("normative example 8 writes `--n 2 --fast`", async (ctx) => {
    need(ctx);
    const { store } = await submitted("flags", fs.readFileSync(path.join(root, "examples/flags/main.pipe"), "utf8"));
    const entries = fs.readdirSync(store).filter((e) => !e.startsWith("."));
    expect(entries).toHaveLength(1);
    expect(fs.readFileSync(path.join(store, entries[0]!, "args"), "utf8")).toBe("--n 2 --fast\n");
  }, 240_000);

  it("runs a job with the cpus computed from a parameter", async (ctx) => {
    need(ctx);
    const text = `
action t(threads: Int) -> (n: String) {
  resources { cpus = threads, mem = if threads > 1 then "200M" else "100M" }
  shell "echo $SLURM_CPUS_PER_TASK > ~{out.n}"
}
pipeline main(k: Int = 1) -> (n: String) {
  let x = t(threads = if k > 1 then 2 else 1)
  return (n = x.n)
}
`;
    const { store, bundle } = await submitted("cpus", text, ["-p", "k=2"]);
    const job = fs.readdirSync(path.join(bundle, "jobs")).map((f) => fs.readFileSync(path.join(bundle, "jobs", f), "utf8")).join("\n");
    expect(job).toContain("#SBATCH --cpus-per-task=2");
    expect(job).toContain("#SBATCH --mem=200M");
    const entry = fs.readdirSync(store).find((e) => !e.startsWith("."))!;
    expect(fs.readFileSync(path.join(store, entry, "n"), "utf8")).toBe("2\n");
  }, 240_000);
});
