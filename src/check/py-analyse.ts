// Reading Python actions' modules: one `python3` process runs pipe's analyser
// (python/pipe_analyse.py, Python's own `ast`, no import of the user's code) over every
// module of a program at once, and its JSON answer is validated here with zod. What the
// analyser says of a module: its functions' parameters and return annotations as type
// trees, and the project modules it imports, transitively (its sources, for the keys).

import { spawnSync } from "node:child_process";
import path from "node:path";
import { z } from "zod";
import { packageRoot } from "../host.js";

export const ANALYSER = path.join(packageRoot, "python", "pipe_analyse.py");

/** The interpreter that reads modules at compile time (it never runs them). */
export const ANALYSER_PYTHON = "python3";

const SpanTuple = z.tuple([z.string(), z.number().int().nonnegative(), z.number().int().nonnegative()]);

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
export type PyFunction = z.infer<typeof FunctionSchema>;

const ErrorSchema = z.object({ kind: z.enum(["syntax", "read"]), message: z.string(), span: SpanTuple.optional(), file: z.string().optional() });
export type PyModuleError = z.infer<typeof ErrorSchema>;

const ModuleSchema = z.union([
  z.object({ error: ErrorSchema }),
  z.object({ functions: z.record(z.string(), FunctionSchema), sources: z.array(z.string()), importError: ErrorSchema.optional() }),
]);
export type PyModule = z.infer<typeof ModuleSchema>;

const AnswerSchema = z.object({ modules: z.record(z.string(), ModuleSchema) });

export type PyAnalysis = { readonly ok: true; readonly modules: ReadonlyMap<string, PyModule> } | { readonly ok: false; readonly reason: string };

/** Reads `modules` (absolute paths of regular files) in one analyser process. */
export function analysePython(modules: readonly string[], projectDir: string): PyAnalysis {
  if (modules.length === 0) return { ok: true, modules: new Map() };
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
  const parsed = AnswerSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `the analyser's answer is malformed: ${parsed.error.issues[0]?.message ?? ""}` };
  return { ok: true, modules: new Map(Object.entries(parsed.data.modules)) };
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop() ?? "";
}
