// `pipe diff A B`: what reruns between two versions of a workflow, and the root cause. Each
// side is a `.pipe` file, a plan JSON (`pipe plan --plan-only` or `--json`), or a git
// revision of either (`REV:path`). Exit 0 when nothing differs, 3 when something does,
// 2 when a side cannot be read or compiled.
//
// The compiler and git are loaded only for a side that needs them: two plan files are
// compared with the diff modules alone (the compiler's modules, zod among them, cost more
// start-up than comparing two small plans).

import fs from "node:fs";
import { useColor } from "./color.js";
import path from "node:path";
import { diffPlans, hasChanges } from "../diff/index.js";
import { parseRevisionPath } from "../diff/revision-path.js";
import { readPlanFile, readPlanJson } from "../diff/plan-json.js";
import { diffJson, renderDiff } from "../diff/render.js";
import type { Plan } from "../plan/plan.js";
import { buildPlan, type PlanFlags } from "./build-plan.js";
import { Exit, writeJson, type Io } from "./io.js";

export interface DiffFlags extends PlanFlags {
  readonly verbose?: boolean;
}

export async function diffCommand(before: string, after: string, flags: DiffFlags, io: Io): Promise<number> {
  // Files named by flags are the working tree's, whichever side is compiled where.
  const sideFlags: PlanFlags = {
    ...flags,
    ...(flags.params ? { params: path.resolve(io.cwd, flags.params) } : {}),
    ...(flags.config ? { config: path.resolve(io.cwd, flags.config) } : {}),
  };
  const a = await loadSide(before, sideFlags, io);
  if (!a) return Exit.invalid;
  const b = await loadSide(after, sideFlags, io);
  if (!b) return Exit.invalid;
  const diff = diffPlans(a, b);
  if (flags.json) writeJson(io, { ok: true, before, after, ...(diffJson(diff) as object) });
  else io.out(renderDiff(diff, { verbose: flags.verbose ?? false, color: useColor(io, "out") }));
  return hasChanges(diff) ? Exit.changes : Exit.ok;
}

/** The plan of one side; problems are reported here and give undefined. */
export async function loadSide(spec: string, flags: PlanFlags, io: Io): Promise<Plan | undefined> {
  const fail = (message: string) => {
    if (flags.json) io.out(JSON.stringify({ ok: false, error: `${spec}: ${message}` }, null, 1) + "\n");
    else io.err(`pipe diff: ${spec}: ${message}\n`);
    return undefined;
  };
  const local = path.resolve(io.cwd, spec);
  const revision = fs.existsSync(local) ? undefined : parseRevisionPath(spec);
  if (!revision) {
    if (!fs.existsSync(local)) return fail("no such file (nor a git revision REV:path)");
    if (!spec.endsWith(".json")) return (await buildPlan(local, flags, io))?.plan;
    const read = await readPlanFile(local);
    return "plan" in read ? read.plan : fail(read.error);
  }
  const { checkoutRevision, GitError, showAtRevision } = await import("../diff/git-revision.js");
  try {
    if (revision.path.endsWith(".json")) {
      const read = await readPlanJson(await showAtRevision(io.cwd, revision));
      return "plan" in read ? read.plan : fail(read.error);
    }
    const checkout = await checkoutRevision(io.cwd, revision);
    try {
      // Diagnostics name the revision's files as if they were the working tree's.
      return (await buildPlan(checkout.file, flags, { ...io, cwd: checkout.cwd }))?.plan;
    } finally {
      await checkout.remove();
    }
  } catch (e) {
    if (e instanceof GitError) return fail(e.message);
    throw e;
  }
}
