// `pipe find FILE [TASK-GLOB...] [--where name=value ...] [--json]` and `pipe outputs FILE
// [--link DIR] [--json]`: results by task and parameters, and the entry pipeline's outputs
// (src/results). Both compile the plan as `pipe plan` does and read the plan's store.

import { maxOf } from "../arrays.js";
import path from "node:path";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { printable, printableLine } from "../printable.js";
import { entryOutputs } from "../results/outputs.js";
import { findTasks, type FoundTask } from "../results/find.js";
import { linkTree } from "../results/links.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, writeJson, type Io } from "./io.js";
import { diagnosticsJson, printDiagnostics } from "./report.js";

export async function findCommand(file: string, patterns: readonly string[], flags: PlanFlags & { where?: string[] }, io: Io): Promise<number> {
  // The filters are typed by the actions' parameters: the checked program, not only the plan.
  const built = await buildPlan(file, flags, io, { program: true });
  if (!built?.program) return Exit.invalid;
  const { plan, program, config } = built;
  const found = findTasks(program, plan, config.storeDir, { patterns, where: flags.where ?? [], cwd: io.cwd });
  if (hasErrors(found.diagnostics)) {
    if (flags.json) io.out(JSON.stringify({ ok: false, diagnostics: diagnosticsJson(io, found.diagnostics, new Map()) }, null, 2) + "\n");
    else printDiagnostics(io, found.diagnostics, new Map());
    return Exit.invalid;
  }
  const stored = found.tasks.filter((t) => t.inStore).length;
  if (flags.json) {
    writeJson(io, { ok: true, store: config.storeDir, summary: { matched: found.tasks.length, inStore: stored }, tasks: found.tasks });
    return Exit.ok;
  }
  for (const t of found.tasks) io.out(renderFound(t));
  io.err(found.tasks.length === 0 ? `no task of the ${plan.tasks.length} matches\n` : `${found.tasks.length} of ${plan.tasks.length} tasks match; ${stored} in the store\n`);
  return Exit.ok;
}

function renderFound(t: FoundTask): string {
  const width = Math.max(5, maxOf(t.outputs.map((o) => o.name.length)));
  const lines = [`${printable(t.id)}  ${t.inStore ? "in the store" : "not in the store"}\n`, `  ${"entry".padEnd(width)}  ${t.path}\n`];
  for (const o of t.outputs) {
    const shown = o.text === undefined ? o.path : printableLine(o.text);
    lines.push(`  ${o.name.padEnd(width)}  ${shown}\n`);
  }
  return lines.join("");
}

export async function outputsCommand(file: string, flags: PlanFlags & { link?: string }, io: Io): Promise<number> {
  const built = await buildPlan(file, flags, io);
  if (!built) return Exit.invalid;
  const { plan, config } = built;
  const outputs = entryOutputs(plan, config.storeDir);
  const linked = flags.link ? linkTree(plan, config.storeDir, path.resolve(io.cwd, flags.link)) : undefined;
  if (linked?.error) {
    io.err(`pipe: ${linked.error}\n`);
    return Exit.invalid;
  }
  if (flags.json) {
    const links = linked && { dir: path.resolve(io.cwd, flags.link!), added: linked.added, removed: linked.removed, kept: linked.kept, folders: Object.fromEntries(linked.folders), warnings: diagnosticsJson(io, linked.warnings, new Map()) };
    writeJson(io, { ok: true, outputs, ...(links ? { links } : {}) });
    return Exit.ok;
  }
  const width = maxOf(outputs.map((o) => o.name.length), 0);
  for (const o of outputs) {
    if (o.state === "cached") io.out(`${o.name.padEnd(width)} = ${printableLine(o.text ?? "")}\n`);
    else {
      const missing = o.parts.filter((p) => !p.inStore).map((p) => printable(p.task));
      const shown = missing.slice(0, 5).join(", ") + (missing.length > 5 ? `, and ${missing.length - 5} more` : "");
      io.out(`${o.name.padEnd(width)}   missing (not in the store: ${shown})\n`);
    }
  }
  if (outputs.length === 0) io.err(`pipeline \`${plan.entry}\` has no outputs\n`);
  if (linked) {
    printDiagnostics(io, linked.warnings, new Map());
    io.err(`${flags.link}: ${linked.folders.size} task folders; ${linked.added} links added, ${linked.removed} removed, ${linked.kept} kept\n`);
  }
  return Exit.ok;
}
