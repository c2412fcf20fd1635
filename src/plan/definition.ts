// An action's normalized definition: the text its cache key covers and `pipe diff` shows.
// Built from the typed tree, so comments and layout of the `.pipe` file never count;
// inside a command, trailing spaces and surrounding blank lines do not count either.

import type { TAction, TExpr } from "../check/typed.js";
import { show } from "../check/types.js";
import { relativePosix } from "../host.js";
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
  }
}

export function actionDef(action: TAction, projectDir: string): ActionDef {
  const signature = `action ${action.name}(${action.params.map((p) => `${p.name}: ${show(p.type)}`).join(", ")}) -> (${action.outputs
    .map((o) => `${o.name}: ${show(o.type)}${o.file !== undefined ? ` = ${JSON.stringify(o.file)}` : ""}`)
    .join(", ")})`;
  let body: string;
  let ts: ActionDef["ts"];
  if (action.impl.kind === "Shell") {
    const command = action.impl.parts.map((p) => (typeof p === "string" ? p : `~{${p.raw ? `raw(${exprText(p.expr)})` : exprText(p.expr)}}`)).join("");
    body = normalizeCommand(command);
  } else {
    ts = { module: relativePosix(projectDir, action.impl.module), export: action.impl.exportName };
    body = `ts "${ts.module}#${ts.export}"`;
  }
  const env = action.env.map((e) => `env ${e.name} = ${JSON.stringify(e.value)}`);
  const definition = [signature, ...env, body].join("\n");
  return {
    name: action.name,
    kind: action.impl.kind === "Shell" ? "shell" : "ts",
    definition,
    definitionHash: sha256(definition),
    outputs: action.outputs.map((o) => ({ name: o.name, type: show(o.type), ...(o.file !== undefined ? { file: o.file } : {}) })),
    env: Object.fromEntries(action.env.map((e) => [e.name, e.value])),
    ...(ts ? { ts } : {}),
  };
}

function normalizeCommand(command: string): string {
  const lines = command
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
  return trimOf(lines, "\n");
}
