// Why one task's key differs between two versions: the key inputs it owns, compared item
// by item — the action's definition, each argument (upstream outputs by task id, not key,
// so an upstream change is not mistaken for an argument change), the content of every
// `uses`, input and TypeScript file, and `cache`. Upstream keys are left to the caller,
// which walks them to the root tasks (index.ts). Also used by `pipe why` against meta.json.

import type { ActionDef, KeyFile, Plan, PlanValue, Task } from "../plan/plan.js";
import { sameFiles } from "../plan/keys.js";
import { unifiedDiff } from "./line-diff.js";

/** One difference in a task's own key inputs. */
export type Cause =
  /** An argument's value; `from`/`to` absent when the parameter did not exist on that side. */
  | { readonly kind: "argument"; readonly name: string; readonly from?: PlanValue; readonly to?: PlanValue }
  /** The action's normalized definition; `fromAction` when the task now calls another action. */
  | { readonly kind: "definition"; readonly action: string; readonly fromAction?: string; readonly diff: readonly string[] }
  /** A file's content hash; `from`/`to` absent when the file was added or removed. */
  | { readonly kind: "file"; readonly role: KeyFile["role"]; readonly path: string; readonly from?: string; readonly to?: string }
  /** `cache` was switched. */
  | { readonly kind: "cache"; readonly from: boolean; readonly to: boolean }
  /** `cache = false` on both sides: the task reruns every time. */
  | { readonly kind: "uncached" }
  /** The key differs though nothing recorded does (a new key format). */
  | { readonly kind: "key" };

/** Everything a task's key is computed from, apart from upstream keys. */
export interface KeyInputs {
  readonly action: string;
  readonly actionName: string;
  readonly definition: string;
  readonly definitionHash: string;
  readonly args: Readonly<Record<string, PlanValue>>;
  readonly files: readonly KeyFile[];
  readonly cache: boolean;
}

export function taskInputs(plan: Plan, task: Task): KeyInputs {
  return keyInputs(task, plan.actions[task.action]);
}

/** `taskInputs` with the task's action looked up already. */
export function keyInputs(task: Task, action: ActionDef | undefined): KeyInputs {
  return {
    action: task.action,
    actionName: action?.name ?? actionName(task.action),
    definition: action?.definition ?? "",
    definitionHash: action?.definitionHash ?? "",
    args: task.args,
    files: task.files,
    cache: task.cache,
  };
}

/** `main.pipe#train` → `train`. */
export function actionName(actionId: string): string {
  return actionId.slice(actionId.lastIndexOf("#") + 1);
}

/** No causes: one shared empty array. */
export const NO_CAUSES: readonly Cause[] = Object.freeze([]);

const CACHE_ON: Cause = { kind: "cache", from: false, to: true };
const CACHE_OFF: Cause = { kind: "cache", from: true, to: false };
const UNCACHED: Cause = { kind: "uncached" };

/**
 * Definition diffs are shared by every task of an action; compute each pair once. Causes
 * that do not depend on the task (a definition, `cache`) are one object each, and a list of
 * only such causes is one array: a changed definition over a sweep of 500,000 tasks is then
 * one cause list, not 500,000 (which the grouping would key one by one).
 */
export class CauseComparer {
  private readonly definitions = new Map<string, Cause>();
  private readonly shared = new Set<Cause>([CACHE_ON, CACHE_OFF, UNCACHED]);
  /** Lists of shared causes, by their first cause, then their second… */
  private readonly lists = new Map<Cause, ListNode>();

  /** The differences; one shared empty array when there are none. */
  compare(a: KeyInputs, b: KeyInputs): readonly Cause[] {
    const causes: Cause[] = [];
    if (a.definitionHash !== b.definitionHash) causes.push(this.definitionCause(a, b));
    argumentCauses(a, b, causes);
    fileCauses(a.files, b.files, causes);
    if (a.cache !== b.cache) causes.push(b.cache ? CACHE_ON : CACHE_OFF);
    else if (!b.cache) causes.push(UNCACHED);
    return causes.length ? this.intern(causes) : NO_CAUSES;
  }

  private definitionCause(a: KeyInputs, b: KeyInputs): Cause {
    const memo = `${a.definitionHash}\0${b.definitionHash}\0${a.actionName}\0${b.actionName}`;
    let cause = this.definitions.get(memo);
    if (!cause) {
      cause = { kind: "definition", action: b.actionName, ...(a.actionName !== b.actionName ? { fromAction: a.actionName } : {}), diff: unifiedDiff(a.definition, b.definition) };
      this.definitions.set(memo, cause);
      this.shared.add(cause);
    }
    return cause;
  }

  /** The one array of these causes when every one is shared; else `causes`. */
  private intern(causes: Cause[]): readonly Cause[] {
    if (!causes.every((c) => this.shared.has(c))) return causes;
    let level = this.lists;
    let node: ListNode | undefined;
    for (const c of causes) {
      node = level.get(c);
      if (!node) level.set(c, (node = { next: new Map() }));
      level = node.next;
    }
    return (node!.list ??= causes);
  }
}

interface ListNode {
  list?: readonly Cause[];
  readonly next: Map<Cause, ListNode>;
}

function argumentCauses(a: KeyInputs, b: KeyInputs, into: Cause[]): void {
  if (sameArgs(a.args, b.args)) return;
  const names = [...new Set([...Object.keys(a.args), ...Object.keys(b.args)])].sort();
  for (const name of names) {
    const from = a.args[name];
    const to = b.args[name];
    // Same text (paths by path, upstream outputs by task id): not an argument change; a
    // changed file behind the same path is a file cause. A renamed input is an argument
    // change even with the same content: the key covers the name the command receives.
    if (from !== undefined && to !== undefined && sameValue(from, to)) continue;
    into.push({ kind: "argument", name, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
  }
}

export function sameArgs(a: Readonly<Record<string, PlanValue>>, b: Readonly<Record<string, PlanValue>>): boolean {
  let n = 0;
  for (const k in a) {
    const v = b[k];
    if (v === undefined || !sameValue(a[k]!, v)) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/**
 * Structural equality of plan values, without building canonical text (this runs for every
 * changed task). Paths compare by path, as the key sees them next to their content.
 */
export function sameValue(a: PlanValue, b: PlanValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if ("$ref" in a) {
    // A dynamic loop's element is named by its item and its content, both part of the key.
    return "$ref" in b && a.$ref === b.$ref && a.output === b.output && a.item === b.item && a.content === b.content && (a.fields ?? []).join(".") === (b.fields ?? []).join(".");
  }
  if ("$path" in a) return "$path" in b && a.$path === b.$path;
  return "$record" in a && "$record" in b && sameArgs(a.$record, b.$record);
}

const ROLES: readonly KeyFile["role"][] = ["uses", "input", "ts", "py"];

function fileCauses(a: readonly KeyFile[], b: readonly KeyFile[], into: Cause[]): void {
  if (sameFiles(a, b)) return;
  for (const role of ROLES) {
    const before = new Map(a.filter((f) => f.role === role).map((f) => [f.path, f.hash]));
    const after = new Map(b.filter((f) => f.role === role).map((f) => [f.path, f.hash]));
    if (role === "input") {
      // Inputs that appear or disappear are argument changes; only changed content is news.
      for (const [path, to] of [...after].sort(byKey)) {
        const from = before.get(path);
        if (from !== undefined && from !== to) into.push({ kind: "file", role, path, from, to });
      }
      continue;
    }
    // The key covers `uses` and TypeScript files by content only: a renamed file with the
    // same content changes nothing.
    if ([...before.values()].sort().join() === [...after.values()].sort().join()) continue;
    for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const from = before.get(path);
      const to = after.get(path);
      if (from !== to) into.push({ kind: "file", role, path, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    }
  }
}

function byKey(x: [string, string], y: [string, string]): number {
  return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0;
}
