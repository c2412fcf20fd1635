// Reading Python actions' modules: one `python3` process runs pipe's analyser
// (python/pipe_analyse.py, Python's own `ast`, no import of the user's code) over every
// module of a program at once, and its JSON answer is validated here with zod. What the
// analyser says of a module: its functions' parameters and return annotations as type
// trees, and the project modules it imports, transitively (its sources, for the keys).
// zod is loaded on first use, as ts-morph is (ts-morph.ts): `pipe check` of a program
// without Python actions never loads it. Its CommonJS build, required: checking is
// synchronous.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type { z } from "zod";
import { packageRoot } from "../host.js";

export const ANALYSER = path.join(packageRoot, "python", "pipe_analyse.py");

/** The interpreter that reads modules at compile time (it never runs them). */
export const ANALYSER_PYTHON = "python3";

export type PyType =
  | { readonly t: "int" | "float" | "bool" | "str" | "file" | "dir" | "none"; readonly span: PySpan }
  | { readonly t: "list" | "optional"; readonly of: PyType; readonly span: PySpan }
  | { readonly t: "record"; readonly name: string; readonly kind: "typeddict" | "dataclass"; readonly fields: readonly PyField[]; readonly span: PySpan; readonly decl: PySpan }
  | { readonly t: "unsupported"; readonly text: string; readonly why: string; readonly span: PySpan }
  | { readonly t: "typevar"; readonly name: string; readonly span: PySpan };

export interface PyField {
  readonly name: string;
  readonly type: PyType;
  readonly default: boolean;
  readonly span: PySpan;
}

export type PySpan = readonly [string, number, number];

/** The analyser's answer's schemas, made on first use. */
function makeSchemas(z: typeof import("zod").z) {
  const SpanTuple = z.tuple([z.string(), z.number().int().nonnegative(), z.number().int().nonnegative()]);

  const PyTypeSchema: z.ZodType<PyType> = z.lazy(() =>
    z.union([
      z.object({ t: z.enum(["int", "float", "bool", "str", "file", "dir", "none"]), span: SpanTuple }),
      z.object({ t: z.enum(["list", "optional"]), of: PyTypeSchema, span: SpanTuple }),
      z.object({
        t: z.literal("record"),
        name: z.string(),
        kind: z.enum(["typeddict", "dataclass"]),
        fields: z.array(z.object({ name: z.string(), type: PyTypeSchema, default: z.boolean(), span: SpanTuple })),
        span: SpanTuple,
        decl: SpanTuple,
      }),
      z.object({ t: z.literal("unsupported"), text: z.string(), why: z.string(), span: SpanTuple }),
      z.object({ t: z.literal("typevar"), name: z.string(), span: SpanTuple }),
    ]),
  );

  const ParamSchema = z.object({
    name: z.string(),
    type: PyTypeSchema.nullable(),
    default: z.boolean(),
    kind: z.enum(["keyword", "positional-only"]),
    span: SpanTuple,
  });

  const FunctionSchema = z.object({
    name: z.string(),
    async: z.boolean(),
    span: SpanTuple,
    params: z.array(ParamSchema),
    returns: PyTypeSchema.nullable(),
    problems: z.array(z.object({ what: z.string(), span: SpanTuple })),
  });

  const ErrorSchema = z.object({ kind: z.enum(["syntax", "read"]), message: z.string(), span: SpanTuple.optional(), file: z.string().optional() });

  const ModuleSchema = z.union([
    z.object({ error: ErrorSchema }),
    z.object({ functions: z.record(z.string(), FunctionSchema), sources: z.array(z.string()), importError: ErrorSchema.optional() }),
  ]);

  const AnswerSchema = z.object({ modules: z.record(z.string(), ModuleSchema) });
  return { FunctionSchema, ErrorSchema, ModuleSchema, AnswerSchema };
}

type Schemas = ReturnType<typeof makeSchemas>;
let schemas: Schemas | undefined;
const answerSchema = (): Schemas["AnswerSchema"] => (schemas ??= makeSchemas((createRequire(import.meta.url)("zod") as { z: typeof z }).z)).AnswerSchema;

export type PyFunction = z.infer<Schemas["FunctionSchema"]>;
export type PyModuleError = z.infer<Schemas["ErrorSchema"]>;
export type PyModule = z.infer<Schemas["ModuleSchema"]>;

export type PyAnalysis = { readonly ok: true; readonly modules: ReadonlyMap<string, PyModule> } | { readonly ok: false; readonly reason: string };

/**
 * Answers by the modules asked about, kept while none of the files read for them changed:
 * a process that checks again and again (the language server, at every edit) starts the
 * interpreter only when a Python file changed.
 */
const answers = new Map<string, { readonly files: readonly string[]; readonly stamps: string; readonly answer: PyAnalysis }>();

const stampsOf = (files: readonly string[]): string =>
  files
    .map((f) => {
      const s = fs.statSync(f, { throwIfNoEntry: false });
      return s ? `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : "-";
    })
    .join("|");

/** Reads `modules` (absolute paths of regular files) in one analyser process. */
export function analysePython(modules: readonly string[], projectDir: string): PyAnalysis {
  if (modules.length === 0) return { ok: true, modules: new Map() };
  const key = JSON.stringify([projectDir, modules]);
  const kept = answers.get(key);
  if (kept && stampsOf(kept.files) === kept.stamps) return kept.answer;
  const before = stampsOf(modules);
  const answer = runAnalyser(modules, projectDir);
  if (answer.ok) {
    const files = [...new Set([...modules, ...[...answer.modules.values()].flatMap((m) => ("sources" in m ? m.sources : []))])];
    // Stamps from before the run for the modules asked about: an edit during the run is seen next time.
    answers.set(key, { files, stamps: stampsOf(files).replace(stampsOf(modules), before), answer });
  }
  return answer;
}

function runAnalyser(modules: readonly string[], projectDir: string): PyAnalysis {
  const run = spawnSync(ANALYSER_PYTHON, [ANALYSER], {
    input: JSON.stringify({ root: projectDir, modules }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    // The user's environment must not make the analyser import anything of theirs.
    env: { ...process.env, PYTHONPATH: "", PYTHONSTARTUP: "", PYTHONSAFEPATH: "1" },
  });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === "ENOENT" ? `\`${ANALYSER_PYTHON}\` is not on PATH` : run.error.message };
  }
  if (run.status !== 0) return { ok: false, reason: lastLine(run.stderr) || `it exited with status ${run.status}` };
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    return { ok: false, reason: "the analyser printed no JSON" };
  }
  const parsed = answerSchema().safeParse(json);
  if (!parsed.success) return { ok: false, reason: `the analyser's answer is malformed: ${parsed.error.issues[0]?.message ?? ""}` };
  return { ok: true, modules: new Map(Object.entries(parsed.data.modules)) };
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}
