// The test Slurm for the tests that need one: started (or found running) by
// start-slurm.sh. Where none can be started the tests skip with a visible message, unless
// PIPE_REQUIRE_SLURM is set (as in .ci/run), which makes that a failure.
import path from "node:path";
import { execa } from "execa";

/** Whether a Slurm is up; `what` names the tests that skip when it is not. */
export async function startTestSlurm(what: string): Promise<boolean> {
  const script = path.join(import.meta.dirname, "start-slurm.sh");
  const started = await execa("bash", [script], { reject: false, all: true, timeout: 300_000 });
  if (started.exitCode === 0) return true;
  const why = `no Slurm could be started (test/slurm/start-slurm.sh: ${String(started.all).trim().split("\n").pop()})`;
  if (process.env["PIPE_REQUIRE_SLURM"]) throw new Error(why);
  console.warn(`skipping the ${what}: ${why}`);
  return false;
}
