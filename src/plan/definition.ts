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

/** `projectDir`: a path is shown relative to it, so that moving the project changes no definition. */
export function exprText(e: TExpr, projectDir = ""): string {
  const text = (x: TExpr) => exprText(x, projectDir);
  switch (e.kind) {
    case "Var":
      return e.name;
    case "Out":
      return `out.${e.name}`;
    case "Field":
    case "Project":
      return `${text(e.target)}.${e.name}`;
    case "Literal":
      return JSON.stringify(e.value);
    case "Path":
      return JSON.stringify(projectDir ? relativePosix(projectDir, e.path) : e.path);
    case "List":
      return `[${e.items.map(text).join(", ")}]`;
    case "Record":
      return `{${e.fields.map((f) => `${f.name} = ${text(f.value)}`).join(", ")}}`;
    // Fully parenthesised: one text per tree, whatever the source's layout or parentheses.
    case "If":
      return `(if ${text(e.cond)} then ${text(e.then)} else ${text(e.else)})`;
    case "Binary":
      return `(${text(e.left)} ${e.op} ${text(e.right)})`;
    case "Not":
      return `(not ${text(e.operand)})`;
    case "Index":
      return `${text(e.target)}[${text(e.index)}]`;
    case "Builtin":
      return `${e.name}(${e.args.map(text).join(", ")})`;
  }
}

function interpolationText(p: TInterpolation, projectDir: string): string {
  if (p.flag) return `flag(${exprText(p.flag, projectDir)}, ${exprText(p.expr, projectDir)})`;
  return p.raw ? `raw(${exprText(p.expr, projectDir)})` : exprText(p.expr, projectDir);
}

/**
 * @param python the interpreter the config names for Python actions (absent: the project's
 * `.venv` when there is one, else `python3`); not part of the key, like any tool a command runs.
 */
export function actionDef(action: TAction, projectDir: string, python?: string): ActionDef {
  const signature = `action ${action.name}(${action.params.map((p) => `${p.name}: ${show(p.type)}`).join(", ")}) -> (${action.outputs
    .map((o) => `${o.name}: ${show(o.type)}${o.file !== undefined ? ` = ${JSON.stringify(o.file)}` : ""}`)
    .join(", ")})`;
  let body: string;
  let ts: ActionDef["ts"];
  let py: ActionDef["py"];
  if (action.impl.kind === "Shell") {
    const command = action.impl.parts.map((p) => (typeof p === "string" ? p : `~{${interpolationText(p, projectDir)}}`)).join("");
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
    outputs: action.outputs.map((o) => ({ name: o.name, type: show(o.type), ...(o.file !== undefined ? { file: o.file } : {}) })),
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
