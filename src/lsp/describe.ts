// How symbols are shown in hovers and completion details: an action's or pipeline's
// signature with the types the checker resolved (inferred ones for TypeScript actions),
// a parameter's type and default, a binding's type, and doc comments (the `#` lines just
// above a declaration).

import type { Callable } from "../check/declarations.js";
import type { TypedProgram } from "../check/typed.js";
import * as Ty from "../check/types.js";
import type { PipeSymbol } from "./symbol-index.js";

export function showType(type: Ty.Type | undefined): string {
  return type && type.kind !== "Error" ? Ty.show(type) : "?";
}

/** `action train(data: Dir, lr: Float = 0.1) -> (model: File)` */
export function signatureOf(c: Callable, program: TypedProgram | undefined, text: string | undefined): string {
  const typed = c.kind === "Action" ? program?.actions.get(c.id) : program?.pipelines.get(c.id);
  const sig = c.decl.signature;
  const src = (s: { start: number; end: number }) => text?.slice(s.start, s.end) ?? "";
  const params = (typed?.params ?? []).length || !sig
    ? (typed?.params ?? []).map((p) => {
        const d = sig?.params.find((q) => q.name.name === p.name)?.default;
        return `${p.name}: ${showType(p.type)}${d ? ` = ${src(d.span)}` : ""}`;
      })
    : sig.params.map((p) => src(p.span));
  const outputs = (typed?.outputs ?? []).length || !sig ? (typed?.outputs ?? []).map((o) => `${o.name}: ${showType(o.type)}`) : sig.outputs.map((o) => src(o.span));
  const keyword = c.kind === "Action" ? "action" : "pipeline";
  return `${keyword} ${c.decl.name.name}(${params.join(", ")}) -> (${outputs.join(", ")})`;
}

/** The comment lines directly above a declaration, without their `#`. */
export function docComment(text: string | undefined, declStart: number): string | undefined {
  if (!text) return undefined;
  const lines: string[] = [];
  let end = text.lastIndexOf("\n", declStart - 1);
  while (end > 0) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (!line.startsWith("#")) break;
    lines.unshift(line.replace(/^#+ ?/, ""));
    end = start - 1;
  }
  const doc = lines.join("\n").trim();
  return doc || undefined;
}

export function describeSymbol(s: PipeSymbol, program: TypedProgram | undefined, textOf: (file: string) => string | undefined): { code: string; doc?: string } {
  const text = textOf(s.file);
  switch (s.kind) {
    case "action":
    case "pipeline": {
      const doc = docComment(text, s.declSpan.start);
      return { code: signatureOf(s.callable!, program, text), ...(doc ? { doc } : {}) };
    }
    case "param": {
      const decl = text?.slice(s.declSpan.start, s.declSpan.end);
      const dflt = decl?.includes("=") ? ` =${decl.slice(decl.indexOf("=") + 1)}` : "";
      return { code: `(parameter of ${s.owner!.decl.name.name}) ${s.name}: ${showType(s.type)}${dflt}` };
    }
    case "output":
      return { code: `(output of ${s.owner!.decl.name.name}) ${s.name}: ${showType(s.type)}` };
    case "let":
      return { code: `let ${s.name}: ${showType(s.type)}${s.callee ? `  (outputs of ${s.callee.decl.name.name})` : ""}` };
    case "loop":
      return { code: `(loop variable) ${s.name}: ${showType(s.type)}` };
    case "alias":
      return { code: text?.slice(s.declSpan.start, s.declSpan.end) ?? `import as ${s.name}` };
  }
}
