// `pipe why TASK FILE`: why a task is not cached — its state in the plan and, for a new key,
// what differs from the task's most recent store entry (diff/why.ts).

import { closest } from "../diagnostics/suggest.js";
import { whyTask } from "../diff/why.js";
import { renderWhy } from "../diff/render-why.js";
import { planStates } from "../plan/state.js";
import { namesId, printable } from "../printable.js";
import { entriesOf, entriesOfAction, entryAt } from "../store/index.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, type Io } from "./io.js";

export async function whyCommand(taskId: string, file: string, flags: PlanFlags, io: Io): Promise<number> {
  const built = await buildPlan(file, flags, io);
  if (!built) return Exit.invalid;
  const { plan, config } = built;
  let index = plan.tasks.findIndex((t) => t.id === taskId);
  if (index < 0) index = plan.tasks.findIndex((t) => namesId(taskId, t.id));
  if (index < 0) {
    const near = closest(taskId, plan.tasks.map((t) => printable(t.id)));
    const message = `no task ${printable(taskId)} in the plan of ${file}${near ? `; did you mean ${near}?` : ""}`;
    if (flags.json) io.out(JSON.stringify({ ok: false, error: message }, null, 1) + "\n");
    else io.err(`pipe why: ${message}\n`);
    return Exit.invalid;
  }
  const state = planStates(plan, config.storeDir)[index]!;
  const why = whyTask(plan, plan.tasks[index]!, state, {
    entriesOf: (id) => entriesOf(config.storeDir, id),
    entriesOfAction: (action) => entriesOfAction(config.storeDir, action),
    entryAt: (key) => entryAt(config.storeDir, key),
  });
  io.out(flags.json ? JSON.stringify({ ok: true, ...why }, null, 1) + "\n" : renderWhy(why));
  return Exit.ok;
}
