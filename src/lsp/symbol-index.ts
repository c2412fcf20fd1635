// The editor's symbol index of one analysed program: every declaration (actions, pipelines,
// parameters, outputs, `let` bindings, loop variables, import aliases) and every place that
// names one, found by walking the untyped trees with the checker's own scopes, and the
// types the checker gave them. The walk descends into any node it does not know by its
// properties, so syntax added later is searched for names without changes here; only
// nodes that bind names need a case.

import path from "node:path";
import type { Callable, ModuleScope } from "../check/declarations.js";
import type { LoadedProgram } from "../check/load.js";
import type { TAction, TExpr, TPipeline, TypedProgram } from "../check/typed.js";
import type * as Ty from "../check/types.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type * as A from "../syntax/ast.js";

export type SymbolKind = "action" | "pipeline" | "param" | "output" | "let" | "loop" | "alias";

export interface PipeSymbol {
  /** Unique in the program and the same in every analysis that loads the file. */
  readonly key: string;
  readonly kind: SymbolKind;
  readonly name: string;
  readonly file: string;
  /** The name where it is declared. */
  readonly nameSpan: Span;
  /** The whole declaration. */
  readonly declSpan: Span;
  type?: Ty.Type;
  /** For parameters and outputs: the action or pipeline; for lets and loop variables: the pipeline. */
  readonly owner?: Callable;
  /** Actions and pipelines. */
  readonly callable?: Callable;
  /** Lets: the action or pipeline whose outputs it binds, when it binds a call or a sweep of one. */
  callee?: Callable;
  /** Aliases: the module file. */
  readonly module?: string;
}

export interface Occurrence {
  readonly symbol: PipeSymbol;
  readonly span: Span;
  readonly isDecl: boolean;
}

/** A span that leads somewhere other than a symbol: an import's path, a `ts "m.ts#f"` reference. */
export interface Link {
  readonly span: Span;
  readonly file: string;
  /** A function exported by a TypeScript or Python module. */
  readonly exportName?: string;
}

/** What is visible inside a body, for completion: names bound from an offset on. */
export interface BodyScope {
  readonly owner: Callable;
  readonly span: Span;
  readonly names: { readonly symbol: PipeSymbol; readonly from: number; readonly to: number }[];
}

export interface ProgramIndex {
  readonly symbols: Map<string, PipeSymbol>;
  readonly occurrences: Map<string, Occurrence[]>;
  readonly links: Map<string, Link[]>;
  readonly bodies: Map<string, BodyScope[]>;
  /** Types of typed-tree nodes by file, for hovering over any expression. */
  readonly typed: Map<string, { readonly span: Span; readonly type: Ty.Type }[]>;
}

type Names = Map<string, PipeSymbol>;

const leaves = new Set(["IntLiteral", "FloatLiteral", "StringLiteral", "BoolLiteral", "NoneLiteral", "Identifier", "NamedType", "RecordType", "OptionalType"]);
/** The typed tree an index was built from, read only when a hover needs an expression's type. */
const typedTrees = new WeakMap<ProgramIndex, TypedProgram | undefined>();

export function buildIndex(loaded: LoadedProgram, scopes: ReadonlyMap<string, ModuleScope>, program: TypedProgram | undefined): ProgramIndex {
  const index: ProgramIndex = { symbols: new Map(), occurrences: new Map(), links: new Map(), bodies: new Map(), typed: new Map() };
  const add = (symbol: PipeSymbol, span: Span, isDecl: boolean): void => {
    let list = index.occurrences.get(span.file);
    if (!list) index.occurrences.set(span.file, (list = []));
    list.push({ symbol, span, isDecl });
  };
  const define = (s: PipeSymbol): PipeSymbol => {
    const existing = index.symbols.get(s.key);
    if (existing) return existing;
    index.symbols.set(s.key, s);
    add(s, s.nameSpan, true);
    return s;
  };
  const link = (l: Link): void => {
    let list = index.links.get(l.span.file);
    if (!list) index.links.set(l.span.file, (list = []));
    list.push(l);
  };

  const callableSymbol = (c: Callable): PipeSymbol =>
    define({ key: `${c.file}#${c.decl.name.name}`, kind: c.kind === "Action" ? "action" : "pipeline", name: c.decl.name.name, file: c.file, nameSpan: c.decl.name.span, declSpan: c.decl.span, callable: c });
  const typedOf = (c: Callable): TAction | TPipeline | undefined => (c.kind === "Action" ? program?.actions.get(c.id) : program?.pipelines.get(c.id));
  const members = new Map<Callable, { params: Names; outputs: Names }>();
  const memberSymbols = (c: Callable): { params: Names; outputs: Names } => {
    const known = members.get(c);
    if (known) return known;
    const typed = typedOf(c);
    const params: Names = new Map();
    const outputs: Names = new Map();
    const sig = c.decl.signature;
    for (const p of sig?.params ?? []) {
      const s = define({ key: `${c.file}#${c.decl.name.name}(${p.name.name}`, kind: "param", name: p.name.name, file: c.file, nameSpan: p.name.span, declSpan: p.span, owner: c });
      s.type ??= typed?.params.find((t) => t.name === p.name.name)?.type;
      params.set(p.name.name, s);
    }
    for (const o of sig?.outputs ?? []) {
      const s = define({ key: `${c.file}#${c.decl.name.name})${o.name.name}`, kind: "output", name: o.name.name, file: c.file, nameSpan: o.name.span, declSpan: o.span, owner: c });
      s.type ??= typed?.outputs.find((t) => t.name === o.name.name)?.type;
      outputs.set(o.name.name, s);
    }
    members.set(c, { params, outputs });
    return { params, outputs };
  };

  for (const [file, mod] of loaded.modules) {
    const scope = scopes.get(file);
    if (!scope) continue;
    for (const { decl, target } of mod.imports) {
      if (target) link({ span: decl.path.span, file: target });
      if (decl.alias && target) {
        const alias = define({ key: `${file}#as ${decl.alias.name}`, kind: "alias", name: decl.alias.name, file, nameSpan: decl.alias.span, declSpan: decl.span, module: target });
        void alias;
      }
    }
    for (const c of scope.own.values()) {
      callableSymbol(c);
      memberSymbols(c);
    }
  }

  const resolveCallable = (callee: A.Expr, scope: ModuleScope): Callable | undefined => {
    if (callee.kind === "NameRef") {
      const found = scope.visible.get(callee.name);
      return found && found.kind !== "Clash" ? found : undefined;
    }
    if (callee.kind === "FieldAccess" && callee.target.kind === "NameRef") {
      const target = scope.aliases.get(callee.target.name);
      return target ? scopes.get(target)?.own.get(callee.field.name) : undefined;
    }
    return undefined;
  };

  for (const file of loaded.modules.keys()) {
    const scope = scopes.get(file);
    if (!scope) continue;
    const aliasOf = (name: string) => index.symbols.get(`${file}#as ${name}`);
    const bodies: BodyScope[] = [];
    index.bodies.set(file, bodies);

    for (const c of scope.own.values()) {
      const { params, outputs } = memberSymbols(c);
      const typed = typedOf(c);
      const body: BodyScope = { owner: c, span: c.decl.span, names: [] };
      bodies.push(body);
      const end = c.decl.span.end;
      for (const p of params.values()) body.names.push({ symbol: p, from: p.declSpan.end, to: end });

      /** Walks an expression; `names` maps what is in scope, `out` the outputs of `out.NAME`. */
      const walk = (node: unknown, names: Names, out?: Names): void => {
        if (!node || typeof node !== "object") return;
        if (Array.isArray(node)) {
          for (const n of node) walk(n, names, out);
          return;
        }
        const n = node as { kind?: string; span?: Span };
        if (n.kind !== undefined && leaves.has(n.kind)) return;
        switch (n.kind) {
          case "NameRef": {
            const e = n as A.NameRef;
            const s = names.get(e.name) ?? aliasOf(e.name);
            if (s) add(s, e.span, false);
            else {
              const called = resolveCallable(e, scope);
              if (called) add(callableSymbol(called), e.span, false);
            }
            return;
          }
          case "FieldAccess": {
            const e = n as A.FieldAccess;
            if (e.target.kind === "NameRef" && !names.has(e.target.name)) {
              if (e.target.name === "out" && out) {
                const o = out.get(e.field.name);
                if (o) add(o, e.field.span, false);
                return;
              }
              const alias = aliasOf(e.target.name);
              if (alias) {
                add(alias, e.target.span, false);
                const member = resolveCallable(e, scope);
                if (member) add(callableSymbol(member), e.field.span, false);
                return;
              }
            }
            walk(e.target, names, out);
            // `d.model`, `runs.model`: the output of the call a let binds.
            if (e.target.kind === "NameRef") {
              const bound = names.get(e.target.name);
              if (bound?.callee) {
                const o = memberSymbols(bound.callee).outputs.get(e.field.name);
                if (o) add(o, e.field.span, false);
              }
            }
            return;
          }
          case "Call": {
            const e = n as A.Call;
            walk(e.callee, names, out);
            const called = resolveCallable(e.callee, scope);
            const calledParams = called ? memberSymbols(called).params : undefined;
            for (const arg of e.args) {
              const p = arg.name && calledParams?.get(arg.name.name);
              if (p && arg.name) add(p, arg.name.span, false);
              walk(arg.value, names, out);
            }
            if (e.resources) walk(e.resources.fields.map((f) => f.value), names, out);
            return;
          }
          case "ForExpr": {
            const e = n as A.ForExpr;
            walk(e.sources, names, out);
            const inner: Names = new Map(names);
            const typedFor = findTypedFor(typed, e.span);
            e.vars.forEach((v, i) => {
              const s = define({ key: `${file}#${c.decl.name.name}/for@${e.span.start}/${v.name}`, kind: "loop", name: v.name, file, nameSpan: v.span, declSpan: v.span, owner: c });
              const source = typedFor?.sources[i]?.type;
              if (source?.kind === "List") s.type = source.element;
              inner.set(v.name, s);
              body.names.push({ symbol: s, from: v.span.end, to: e.span.end });
            });
            walk(e.body, inner, out);
            return;
          }
          case "FieldInit": {
            // Record fields and `with` entries are names of their own, not references.
            walk((n as A.FieldInit).value, names, out);
            return;
          }
        }
        for (const [key, value] of Object.entries(n)) {
          if (key === "span" || key === "kind") continue;
          if (value && typeof value === "object") walk(value, names, out);
        }
      };

      if (c.kind === "Action") {
        const items = c.decl.body;
        if (Array.isArray(items)) walk(items, params, outputs);
        else implLink(items as unknown as Record<string, unknown>, file, link);
        for (const p of c.decl.signature?.params ?? []) if (p.default) walk(p.default, new Map());
        continue;
      }
      for (const p of c.decl.signature.params) if (p.default) walk(p.default, new Map());
      const names: Names = new Map(params);
      for (const stmt of c.decl.body) {
        if (stmt.kind === "Let") {
          walk(stmt.value, names);
          const s = define({ key: `${file}#${c.decl.name.name}/${stmt.name.name}`, kind: "let", name: stmt.name.name, file, nameSpan: stmt.name.span, declSpan: stmt.span, owner: c });
          const typedLet = (typed as TPipeline | undefined)?.lets?.find((l) => l.name === stmt.name.name);
          if (typedLet) s.type = typedLet.value.type;
          const call = stmt.value.kind === "ForExpr" ? stmt.value.body : stmt.value;
          if (call.kind === "Call") s.callee = resolveCallable(call.callee, scope);
          names.set(stmt.name.name, s);
          body.names.push({ symbol: s, from: stmt.span.end, to: end });
        } else if (stmt.kind === "Return") {
          for (const f of stmt.fields) {
            const o = outputs.get(f.name.name);
            if (o) add(o, f.name.span, false);
            walk(f.value, names);
          }
        } else if (stmt.kind === "With") {
          walk(stmt.fields.map((f) => f.value), params);
        } else walk(stmt, names);
      }
    }
  }

  typedTrees.set(index, program);
  for (const list of index.occurrences.values()) list.sort((a, b) => a.span.start - b.span.start);
  return index;
}

/** An action's implementation that names a function in another language's module. */
function implLink(impl: Record<string, unknown>, file: string, link: (l: Link) => void): void {
  const module = impl["module"];
  const name = impl["exportName"] ?? impl["function"] ?? impl["name"];
  const span = impl["span"] as Span | undefined;
  if (typeof module !== "string" || !module || !span) return;
  link({ span, file: path.resolve(path.dirname(file), module), ...(typeof name === "string" && name ? { exportName: name } : {}) });
}

function findTypedFor(typed: TAction | TPipeline | undefined, span: Span): { sources: readonly TExpr[] } | undefined {
  if (!typed || typed.kind !== "Pipeline") return undefined;
  for (const l of typed.lets) {
    const v = l.value as unknown as { kind: string; span: Span; sources?: readonly TExpr[] };
    if (v.kind === "For" && v.span.start === span.start && v.sources) return { sources: v.sources };
  }
  return undefined;
}

/** Every node of the typed tree with a type and a span, by file. */
function collectTypes(node: unknown, out: ProgramIndex["typed"], seen = new Set<object>()): void {
  if (!node || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const n of node) collectTypes(n, out, seen);
    return;
  }
  if (node instanceof Map) return;
  const n = node as { type?: Ty.Type; span?: Span };
  if (n.span && n.type && typeof n.type === "object" && "kind" in n.type) {
    let list = out.get(n.span.file);
    if (!list) out.set(n.span.file, (list = []));
    list.push({ span: n.span, type: n.type });
  }
  for (const [key, value] of Object.entries(n)) if (key !== "type" && key !== "span" && value && typeof value === "object") collectTypes(value, out, seen);
}

/** The occurrence at an offset (a name's span, its end included, as editors put the cursor after it). */
export function occurrenceAt(index: ProgramIndex, file: string, offset: number): Occurrence | undefined {
  const list = index.occurrences.get(file) ?? [];
  let best: Occurrence | undefined;
  for (const o of list) {
    if (o.span.start > offset) break;
    if (offset <= o.span.end && (!best || o.span.end - o.span.start <= best.span.end - best.span.start)) best = o;
  }
  return best;
}

export function linkAt(index: ProgramIndex, file: string, offset: number): Link | undefined {
  return (index.links.get(file) ?? []).find((l) => l.span.start <= offset && offset <= l.span.end);
}

/** The smallest typed node around an offset. */
export function typeAt(index: ProgramIndex, file: string, offset: number): { span: Span; type: Ty.Type } | undefined {
  const program = typedTrees.get(index);
  if (program && index.typed.size === 0) for (const t of [...program.actions.values(), ...program.pipelines.values()]) collectTypes(t, index.typed);
  let best: { span: Span; type: Ty.Type } | undefined;
  for (const t of index.typed.get(file) ?? []) {
    if (t.span.start <= offset && offset <= t.span.end && (!best || t.span.end - t.span.start < best.span.end - best.span.start)) best = t;
  }
  return best;
}

export function referencesOf(index: ProgramIndex, key: string): Occurrence[] {
  const found: Occurrence[] = [];
  for (const list of index.occurrences.values()) for (const o of list) if (o.symbol.key === key) found.push(o);
  return found;
}
