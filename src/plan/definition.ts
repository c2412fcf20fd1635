// An action's normalized definition: the text its cache key covers and `pipe diff` shows.
// Built from the typed tree, so comments and layout of the `.pipe` file never count;
// inside a command, trailing spaces and surrounding blank lines do not count either.

import path from "node:path";
import type { TAction, TExpr, TInterpolation } from "../check/typed.js";
import { show } from "../check/types.js";
import { relativePosix, stdlibDir } from "../host.js";
import { sha256 } from "./canonical.js";
import type { ActionDef } from "./plan.js";
import { trimOf } from "../text.js";

export function exprText(e: TExpr): string {
  switch (e.kind) {
    case "Var":
      return e.name;
    case "Out":
      return `out.${e.name}`;
    case "Field":
    case "Project":
      return `${exprText(e.target)}.${e.name}`;
    case "Literal":
      return JSON.stringify(e.value);
    case "Path":
      return JSON.stringify(e.path);
    case "List":
      return `[${e.items.map(exprText).join(", ")}]`;
    case "Record":
      return `{${e.fields.map((f) => `${f.name} = ${exprText(f.value)}`).join(", ")}}`;
    // Fully parenthesised: one text per tree, whatever the source's layout or parentheses.
    case "If":
      return `(if ${exprText(e.cond)} then ${exprText(e.then)} else ${exprText(e.else)})`;
    case "Binary":
      return `(${exprText(e.left)} ${e.op} ${exprText(e.right)})`;
    case "Not":
      return `(not ${exprText(e.operand)})`;
    case "Index":
      return `${exprText(e.target)}[${exprText(e.index)}]`;
    case "Builtin":
      return `${e.name}(${e.args.map(exprText).join(", ")})`;
  }
}

function interpolationText(p: TInterpolation): string {
  if (p.flag) return `flag(${exprText(p.flag)}, ${exprText(p.expr)})`;
  return p.raw ? `raw(${exprText(p.expr)})` : exprText(p.expr);
}

/**
 * @param python the interpreter the config names for Python actions (absent: the project's
 * `.venv` when there is one, else `python3`); not part of the key, like any tool a command runs.
 */
export function actionDef(action: TAction, projectDir: string, python?: string): ActionDef {
  const signature = `action ${action.name}(${action.params.map((p) => `${p.name}: ${show(p.type)}`).join(", ")}) -> (${action.outputs
    .map((o) => `${o.name}: ${show(o.type)}`)
    .join(", ")})`;
  let body: string;
  let ts: ActionDef["ts"];
  let py: ActionDef["py"];
  if (action.impl.kind === "Shell") {
    const command = action.impl.parts.map((p) => (typeof p === "string" ? p : `~{${interpolationText(p)}}`)).join("");
    body = normalizeCommand(command);
  } else if (action.impl.kind === "Py") {
    py = { module: pyModuleName(projectDir, action.impl.module), function: action.impl.function, ...(python ? { python } : {}) };
    body = `py "${py.module}#${py.function}"`;
  } else {
    ts = { module: relativePosix(projectDir, action.impl.module), export: action.impl.exportName };
    body = `ts "${ts.module}#${ts.export}"`;
  }
  const env = action.env.map((e) => `env ${e.name} = ${JSON.stringify(e.value)}`);
  const definition = [signature, ...env, body].join("\n");
  return {
    name: action.name,
    kind: action.impl.kind === "Shell" ? "shell" : action.impl.kind === "Py" ? "py" : "ts",
    definition,
    definitionHash: sha256(definition),
    outputs: action.outputs.map((o) => ({ name: o.name, type: show(o.type) })),
    env: Object.fromEntries(action.env.map((e) => [e.name, e.value])),
    ...(ts ? { ts } : {}),
    ...(py ? { py } : {}),
  };
}

function normalizeCommand(command: string): string {
  const lines = command
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
  return trimOf(lines, "\n");
}

/**
 * A Python module as the plan names it: project-relative, or `std/...` for one of the
 * standard library's (which the runner finds in the pipe installation), so that neither
 * the definition nor a key depends on where pipe is installed.
 */
export function pyModuleName(projectDir: string, module: string): string {
  const std = relativePosix(stdlibDir, module);
  if (!std.startsWith("../") && !path.isAbsolute(std)) return `std/${std}`;
  return relativePosix(projectDir, module);
}
