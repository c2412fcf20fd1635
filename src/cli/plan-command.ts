// `pipe plan`: every task with its state (cached / to run) and the reason (for a new key, its
// root cause in a few words: diff/plan-causes.ts), a summary line, `--json` for tools (each
// task's state beside the plan, which alone lists its dependencies), and with
// `--detailed-exitcode` exit 3 when there is work to do.

import { formatCost, rerunCost, type RerunCost } from "../diff/cost.js";
import { planCauses } from "../diff/plan-causes.js";
import { colors, type Colors } from "./color.js";
import { planStates, type RunDecision } from "../plan/state.js";
import { printable } from "../printable.js";
import { flat } from "../text.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, writeJson, type Io } from "./io.js";
import { LazyArray } from "../json-chunks.js";
import { pendingText } from "../plan/pending-text.js";
import type { Pending, Task } from "../plan/plan.js";

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
  // The store's records (and their schema) are read only for tasks that run: a plan with
  // everything cached loads neither.
  const entriesOfTasks = states.some((s) => s.run) ? (await import("../store/entries.js")).entriesOfTasks : () => new Map();
  const causes = planCauses(plan, states, (ids) => entriesOfTasks(config.storeDir, ids));
  const running: Task[] = [];
  for (const s of states) if (s.run) running.push(s.task);
  const toRun = running.length;
  const cost = rerunCost(running);
  if (flags.json) {
    writeJson(io, {
      ok: true,
      entry: plan.entry,
      summary: { tasks: states.length, toRun, cached: states.length - toRun, pending: plan.pending?.length ?? 0, cost },
      // Each made as it is written: at the task limit, half a million objects never all at once.
      tasks: new LazyArray(states.length, (i) => {
        const s = states[i]!;
        return { id: s.task.id, key: s.task.key, action: plan.actions[s.task.action]!.name, state: s.run ? "run" : "cached", ...(s.reason ? { reason: s.reason } : {}), ...(causes[i] ? { cause: causes[i] } : {}), ...(s.because ? { because: s.because } : {}) };
      }),
      pending: (plan.pending ?? []).map((p) => ({ ...p, state: "pending", reason: pendingText(p) })),
      plan,
    });
  } else {
    renderPlan(states, causes, cost, plan.actions, plan.pending ?? [], colors(io, "out"), (text) => io.out(text));
  }
  return flags.detailedExitcode && toRun > 0 ? Exit.changes : Exit.ok;
}

/** The plan as lines, written in pieces of about a megabyte: at 100,000 tasks never one string of every line. */
function renderPlan(states: RunDecision[], causes: readonly (string | undefined)[], cost: RerunCost, actions: Record<string, { name: string }>, pending: readonly Pending[], c: Colors, out: (text: string) => void): void {
  const ids = states.map((s) => printable(s.task.id));
  let longest = 4;
  for (const id of ids) if (id.length > longest) longest = id.length;
  for (const p of pending) longest = Math.max(longest, printable(p.id).length);
  const width = Math.min(60, longest);
  const run = c.yellow("run   ");
  const cached = c.green("cached");
  const names = new Map<string, string>();
  let text = "";
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    const why = s.run ? (causes[i] ?? `${s.reason}${s.because ? ` (${printable(s.because)})` : ""}`) : "";
    let name = names.get(s.task.action);
    if (name === undefined) names.set(s.task.action, (name = actions[s.task.action]!.name.padEnd(12)));
    const line = `  ${s.run ? run : cached}  ${ids[i]!.padEnd(width)}  ${name} ${s.task.key.slice(0, 12)}`;
    text += flat(why ? `${line}  ${why}\n` : `${line}\n`);
    if (text.length > 1 << 20) {
      out(text);
      text = "";
    }
  }
  // Known only at run time: one line per loop, and per call that waits on one.
  for (const p of pending) text += `  ${c.cyan("pending")} ${printable(p.id).padEnd(width)}  ${pendingText(p)}\n`;
  text += `${cost.tasks} to run, ${states.length - cost.tasks} cached${pending.length ? `, ${pending.length} pending` : ""}\n`;
  if (cost.tasks > 0) text += formatCost(cost) + "\n";
  out(text);
}
