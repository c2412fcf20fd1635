// `pipe find`: the tasks of a plan that match an id pattern and typed argument filters
// (filters.ts), each with its key, its entry in the store, its outputs (scalars by value)
// and whether it is in the store. The store is the one the plan's config names, which is
// where `pipe run` and a Slurm bundle's tasks alike commit their results.

import type { TypedProgram } from "../check/typed.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Plan, PlanValue } from "../plan/plan.js";
import { taskMatcher } from "../plan/state.js";
import { entryDir, storeLookup, storedAs } from "../store/index.js";
import { matchesFilters, readFilters } from "./filters.js";
import { storedOutput, type FoundOutput } from "./values.js";

export interface FoundTask {
  readonly id: string;
  readonly key: string;
  readonly action: string;
  readonly args: Readonly<Record<string, PlanValue>>;
  readonly inStore: boolean;
  /** The task's entry directory (which exists only when it is in the store). */
  readonly path: string;
  readonly outputs: readonly FoundOutput[];
}

export interface FindResult {
  readonly tasks: FoundTask[];
  readonly diagnostics: Diagnostic[];
}

export interface FindQuery {
  /** Id patterns (`*` a wildcard); none selects every task. */
  readonly patterns: readonly string[];
  readonly where: readonly string[];
  readonly cwd: string;
}

export function findTasks(program: TypedProgram, plan: Plan, storeDir: string, query: FindQuery): FindResult {
  const matches = query.patterns.length ? taskMatcher(query.patterns) : () => true;
  const selected = plan.tasks.filter((t) => matches(t.id));
  const { filters, diagnostics } = readFilters(program, selected, query.where, query.cwd);
  if (diagnostics.length) return { tasks: [], diagnostics };
  const matched = selected.filter((t) => matchesFilters(program, t, filters));
  const stored = storeLookup(storeDir, matched.length);
  const tasks = matched
    .map((t): FoundTask => {
      const present = stored(t.key);
      const outputs = plan.actions[t.action]!.outputs.map((o) => storedOutput(storeDir, t.key, o.name, o.type, present, storedAs(o)));
      return { id: t.id, key: t.key, action: t.action, args: t.args, inStore: present, path: entryDir(storeDir, t.key), outputs };
    });
  return { tasks, diagnostics };
}
