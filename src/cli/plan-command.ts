// `pipe plan`: every task with its state (cached / to run) and the reason, a summary line,
// `--json` for tools (each task's state beside the plan, which alone lists its dependencies),
// and with `--detailed-exitcode` exit 3 when there is work to do.

import { formatCost, rerunCost } from "../diff/cost.js";
import { planStates, type RunDecision } from "../plan/state.js";
import { printable } from "../printable.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, type Io } from "./io.js";
import { maxOf } from "../arrays.js";
import { jsonChunks } from "../json-chunks.js";

export interface PlanCommandFlags extends PlanFlags {
  readonly force?: string[];
  readonly detailedExitcode?: boolean;
  readonly planOnly?: boolean;
}

export async function planCommand(file: string, flags: PlanCommandFlags, io: Io): Promise<number> {
  const built = await buildPlan(file, flags, io);
  if (!built) return Exit.invalid;
  const { plan, config } = built;
  if (flags.planOnly) {
    writeJson(io, plan);
    return Exit.ok;
  }
  const states = planStates(plan, config.storeDir, flags.force ?? []);
  const toRun = states.filter((s) => s.run).length;
  if (flags.json) {
    writeJson(io, {
      ok: true,
      entry: plan.entry,
      summary: { tasks: states.length, toRun, cached: states.length - toRun, cost: rerunCost(states.filter((s) => s.run).map((s) => s.task)) },
      tasks: states.map((s) => ({ id: s.task.id, key: s.task.key, action: plan.actions[s.task.action]!.name, state: s.run ? "run" : "cached", ...(s.reason ? { reason: s.reason } : {}), ...(s.because ? { because: s.because } : {}) })),
      plan,
    });
  } else {
    io.out(renderPlan(states, plan.actions, io.stdoutIsTTY));
  }
  return flags.detailedExitcode && toRun > 0 ? Exit.changes : Exit.ok;
}

function renderPlan(states: RunDecision[], actions: Record<string, { name: string }>, color: boolean): string {
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const width = Math.min(60, maxOf(states.map((s) => printable(s.task.id).length), 4));
  const lines = states.map((s) => {
    const state = s.run ? paint(33, "run   ") : paint(32, "cached");
    const why = s.run ? `${s.reason}${s.because ? ` (${printable(s.because)})` : ""}` : "";
    return `  ${state}  ${printable(s.task.id).padEnd(width)}  ${actions[s.task.action]!.name.padEnd(12)} ${s.task.key.slice(0, 12)}  ${why}`.trimEnd();
  });
  const toRun = states.filter((s) => s.run).length;
  lines.push(`${toRun} to run, ${states.length - toRun} cached`);
  if (toRun > 0) lines.push(formatCost(rerunCost(states.filter((s) => s.run).map((s) => s.task))));
  return lines.join("\n") + "\n";
}

/** The JSON text of `value` and a newline, in pieces: a plan at the task limit comes near the longest string. */
function writeJson(io: Io, value: unknown): void {
  for (const piece of jsonChunks(value)) io.out(piece);
  io.out("\n");
}
