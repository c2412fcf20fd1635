// The time forms against a real Slurm: each form pipe accepts is given to sbatch as
// written and as pipe emits it, and Slurm must read both as the same limit; a form pipe
// refuses for its shape Slurm refuses too. Skips, with a message, without a Slurm.
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { readTime, slurmTime } from "../../src/units/time.js";
import { startTestSlurm } from "./cluster.js";

let slurm = false;
const submitted: string[] = [];

beforeAll(async () => {
  slurm = await startTestSlurm("Slurm time tests");
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
