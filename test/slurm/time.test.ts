// The time forms against a real Slurm: each form pipe accepts is given to sbatch as
// written and as pipe emits it, and Slurm must read both as the same limit; a form pipe
// refuses for its shape Slurm refuses too. Skips, with a message, without a Slurm.
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { readTime, slurmTime } from "../../src/units/time.js";

const root = path.resolve(import.meta.dirname, "../..");
let slurm = false;
const submitted: string[] = [];

beforeAll(async () => {
  const started = await execa("bash", [path.join(root, "test/slurm/start-slurm.sh")], { reject: false, all: true, timeout: 300_000 });
  if (started.exitCode !== 0) {
    const why = `no Slurm could be started (test/slurm/start-slurm.sh: ${String(started.all).trim().split("\n").pop()})`;
    if (process.env["PIPE_REQUIRE_SLURM"]) throw new Error(why);
    console.warn(`skipping the Slurm time tests: ${why}`);
    return;
  }
  slurm = true;
});

afterAll(async () => {
  if (submitted.length) await execa("scancel", submitted, { reject: false });
});

function needSlurm(ctx: TestContext): void {
  if (!slurm) ctx.skip();
}

/** The limit Slurm records for a held job submitted with `--time=time`. */
async function limitOf(time: string): Promise<string> {
  const id = (await execa("sbatch", ["--hold", "--parsable", `--time=${time}`, "-o", "/dev/null", "--wrap", "true"])).stdout.trim().split(";")[0]!;
  submitted.push(id);
  const shown = (await execa("scontrol", ["show", "job", "-o", id])).stdout;
  return /\bTimeLimit=(\S+)/.exec(shown)![1]!;
}

describe("times, as Slurm reads them", () => {
  const forms = ["90", "90:30", "00:45", "01:30:00", "36:00:00", "1-12", "1-12:30", "1-12:30:15", "2-0"];
  it.each(forms)("%j means what pipe emits for it", async (text, ctx) => {
    needSlurm(ctx);
    const read = readTime(text);
    expect("seconds" in read).toBe(true);
    const emitted = slurmTime((read as { seconds: number }).seconds);
    expect(await limitOf(emitted)).toBe(await limitOf(text));
  });

  it.each(["1-12:30:00:00", "1:2:3:4", "1--2", "12:x"])("%j is refused by both", async (text, ctx) => {
    needSlurm(ctx);
    expect("problem" in readTime(text)).toBe(true);
    const result = await execa("sbatch", ["--test-only", `--time=${text}`, "--wrap", "true"], { reject: false });
    expect(result.exitCode).not.toBe(0);
  });
});
