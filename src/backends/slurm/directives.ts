// The `#SBATCH` options of a task: its own resources first, then the defaults of its
// partition from the project config, then the config's general defaults, then the config's
// partition/account/qos; `slurm.extraArgs` go on every job. Units are Slurm's: `--mem` in
// M or G, `--time` as `D-HH:MM:SS`.

import { parseMem } from "../../units/memory.js";
import { parseTime, slurmTime } from "../../units/time.js";
import type { Config } from "../../config/index.js";
import type { PlanResources } from "../../plan/plan.js";
import { append } from "../../arrays.js";

export type SlurmConfig = Config["slurm"];

/** The resources Slurm is asked for, after the config's defaults are applied. */
export function effectiveResources(own: PlanResources, slurm: SlurmConfig): PlanResources {
  const partition = own.partition ?? slurm.partition;
  const layers = [(partition !== undefined && slurm.partitions[partition]) || {}, slurm.defaults];
  const pick = <K extends "cpus" | "gpus" | "extra">(k: K) => own[k] ?? layers.map((l) => l[k]).find((v) => v !== undefined);
  const mem = own.mem ?? layers.map((l) => (l.mem === undefined ? undefined : parseMem(l.mem))).find((v) => v !== undefined);
  const time = own.time ?? layers.map((l) => (l.time === undefined ? undefined : parseTime(l.time))).find((v) => v !== undefined);
  const account = own.account ?? slurm.account;
  const qos = own.qos ?? slurm.qos;
  const extra = pick("extra");
  const cpus = pick("cpus");
  const gpus = pick("gpus");
  return {
    ...(cpus !== undefined ? { cpus } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...(mem !== undefined ? { mem } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(partition !== undefined ? { partition } : {}),
    ...(account !== undefined ? { account } : {}),
    ...(qos !== undefined ? { qos } : {}),
    ...(extra !== undefined ? { extra } : {}),
  };
}

/** `--mem` wants an integer with a unit; whole gibibytes read better as `G`. */
export function slurmMem(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

/** The options (without `#SBATCH`) for a task's resources, in a fixed order. */
export function sbatchOptions(own: PlanResources, slurm: SlurmConfig): string[] {
  const r = effectiveResources(own, slurm);
  const options: string[] = [];
  if (r.partition !== undefined) options.push(`--partition=${r.partition}`);
  if (r.account !== undefined) options.push(`--account=${r.account}`);
  if (r.qos !== undefined) options.push(`--qos=${r.qos}`);
  if (r.cpus !== undefined) options.push(`--cpus-per-task=${r.cpus}`);
  if (r.gpus) options.push(`--gres=gpu:${r.gpus}`);
  if (r.mem !== undefined) options.push(`--mem=${slurmMem(r.mem)}`);
  if (r.time !== undefined) options.push(`--time=${slurmTime(r.time)}`);
  append(append(options, r.extra ?? []), slurm.extraArgs);
  // One option per line: a newline in a config string must not start a shell command.
  return options.map((o) => o.replace(/[\r\n]+/g, " "));
}
