// The Slurm commands: `pipe emit slurm FILE -o DIR` writes a bundle; `pipe submit DIR`,
// `pipe status DIR` and `pipe cancel DIR` work on one (bundle-commands.ts; so does
// `pipe logs DIR TASK`, wired by the logs command).

import path from "node:path";
import type { Command } from "commander";
import { packageRoot } from "../host.js";
import { emitSlurm, nodeNeeds, writeBundle } from "../backends/slurm/index.js";
import { storeLookup } from "../store/index.js";
import { buildPlan, planOptions, storeUsable, type PlanFlags } from "./build-plan.js";
import { cancelCommand, statusCommand, submitCommand, type StatusFlags } from "./bundle-commands.js";
import { Exit, type Io } from "./io.js";
import { expandBundleCommand } from "./expand-command.js";
import { REPLAN_FILE, replanRecord } from "../backends/slurm/expand.js";

export function registerSlurmCommands(program: Command, io: Io, setCode: (code: number) => void): void {
  const emit = program.command("emit").description("write the files of a backend for a program");
  planOptions(emit.command("slurm"))
    .description("write a self-contained Slurm bundle: sbatch job scripts and job arrays, submit.sh, the plan")
    .argument("<file>", "the entry .pipe file")
    .requiredOption("-o, --output <dir>", "the bundle directory")
    .action(async (file: string, opts: PlanFlags & { output: string }) => setCode(await emitCommand(file, opts, io)));

  program
    .command("submit")
    .description("submit a Slurm bundle (runs its submit.sh): only what is missing from the store")
    .argument("<dir>", "the bundle directory")
    .option("--ignore-changes", "submit even when files the tasks' keys cover changed since the bundle was written (the tasks still check them)")
    .action(async (dir: string, opts: { ignoreChanges?: boolean }) => setCode(await submitCommand(path.resolve(io.cwd, dir), io, opts)));

  program
    .command("expand-bundle")
    .description("(run by a bundle's expanding job) plan a dynamic loop whose list is in the store, and submit its tasks")
    .argument("<dir>", "the bundle directory")
    .requiredOption("--loop <id>", "the loop")
    .action(async (dir: string, opts: { loop: string }) => setCode(await expandBundleCommand(dir, opts.loop, io)));

  program
    .command("status")
    .description("the state of every task of a submitted Slurm bundle; exit 1 if one failed or was cancelled")
    .argument("<dir>", "the bundle directory")
    .option("--json", "print the states as JSON")
    .option("--watch [seconds]", "refresh every few seconds (default 2) until no task is pending or running")
    .action(async (dir: string, opts: StatusFlags) => setCode(await statusCommand(path.resolve(io.cwd, dir), io, opts)));

  program
    .command("cancel")
    .description("cancel the queued and running jobs of a Slurm bundle")
    .argument("<dir>", "the bundle directory")
    .action(async (dir: string) => setCode(await cancelCommand(path.resolve(io.cwd, dir), io)));
}

async function emitCommand(file: string, flags: PlanFlags & { output: string }, io: Io): Promise<number> {
  const built = await buildPlan(file, flags, io);
  if (!built) return Exit.invalid;
  const { plan, config, projectDir } = built;
  if (!storeUsable(config, flags, io)) return Exit.invalid;
  const dir = path.resolve(io.cwd, flags.output);
  const emitted = emitSlurm(plan, config.slurm);
  // TypeScript actions run pipe's runner; a directory input is checked by pipe's own hashing.
  // TypeScript actions and structured outputs run pipe's node programs, Python actions its runner.
  const needsHome = Object.values(plan.actions).some((a) => a.kind !== "shell") || nodeNeeds(plan).length > 0;
  // An expanding job of a dynamic loop plans again from the sources' snapshot.
  if (plan.pending?.length) (emitted.files as Map<string, string>).set(REPLAN_FILE, JSON.stringify(replanRecord(plan, built.sources ?? new Map(), projectDir, config.slurm), null, 1) + "\n");
  // Looked at before the bundle is written, which makes the store.
  const stored = storeLookup(config.storeDir, plan.tasks.length);
  const written = writeBundle(dir, emitted, { store: config.storeDir, project: projectDir, ...(needsHome ? { pipeHome: packageRoot } : {}) });
  if (written.error) {
    io.err(`pipe: ${written.error}\n`);
    return Exit.invalid;
  }
  if (written.droppedJobIds.length) {
    io.err(`pipe: warning: ${flags.output} held a different bundle; its job records were dropped (jobs ${written.droppedJobIds.join(" ")}: cancel any still queued with scancel)\n`);
  }
  const jobs = emitted.bundle.jobs;
  // A retry job runs its first attempt's tasks again: they are counted once.
  const firsts = jobs.filter((j) => !j.attempt);
  const cached = firsts.flatMap((j) => j.tasks).filter((t) => !t.force && stored(t.key)).length;
  const retries = jobs.length - firsts.length;
  io.out(`wrote ${flags.output}: ${plan.tasks.length} tasks in ${firsts.length} jobs (${firsts.filter((j) => j.array).length} arrays${retries ? `, and ${retries} retry jobs` : ""}), ${cached} in the store already\n`);
  io.out(`submit with: bash ${path.join(flags.output, "submit.sh")}   (or pipe submit ${flags.output})\n`);
  return Exit.ok;
}
