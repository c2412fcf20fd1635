// The project configuration, `pipe.config.json`, found upward from the entry `.pipe` file
// and optionally overlaid by a user file (`--config FILE`). Validated with zod; mistakes
// are reported as diagnostics pointing into the JSON file.

import path from "node:path";
import { z } from "zod";
import { Diag } from "../diagnostics/catalog.js";
import { at, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { memForms, parseMem } from "../units/memory.js";
import { readTime, timeForms } from "../units/time.js";
import { describeProblem, MAX_CONFIG_BYTES, type FileHost } from "../host.js";

export const CONFIG_FILE = "pipe.config.json";

// Config strings reach the shell (`setup` lines, #SBATCH arguments, bundle.env), which cannot read a NUL.
const text = z.string().refine((s) => !s.includes("\0"), "a string without a NUL byte (a shell cannot read one)");
const mem = z.string().refine((s) => parseMem(s) !== undefined, memForms);
const time = z.string().superRefine((s, ctx) => {
  const read = readTime(s);
  if ("problem" in read) ctx.addIssue({ code: "custom", message: `${timeForms}: ${read.problem}` });
});

const PartitionDefaults = z
  .object({ cpus: z.number().int().positive(), gpus: z.number().int().nonnegative(), mem, time, extra: z.array(text) })
  .partial()
  .strict();

export const ConfigSchema = z
  .object({
    /** Where results live; relative paths are relative to the config file. */
    store: text.min(1, 'an empty path: name a directory (the default is ".pipe/store")').default(".pipe/store"),
    local: z
      .object({
        cpus: z.number().int().positive().optional(),
        mem: mem.optional(),
        /** GPU ids handed out one per requested GPU, as `CUDA_VISIBLE_DEVICES`. */
        gpus: z
          .array(z.number().int().nonnegative())
          .refine((ids) => new Set(ids).size === ids.length, "GPU ids must be distinct")
          .optional(),
      })
      .strict()
      .default({}),
    /**
     * The interpreter of Python actions (a name on PATH, or a path relative to the project
     * directory), or per action name with a default; unset: the project's `.venv` when
     * there is one, else `python3`.
     */
    python: z.union([text.min(1), z.object({ default: text.min(1).optional(), actions: z.record(z.string(), text.min(1)).default({}) }).strict()]).optional(),
    slurm: z
      .object({
        partition: text.optional(),
        account: text.optional(),
        qos: text.optional(),
        /** Defaults per partition for tasks that do not set a resource themselves. */
        partitions: z.record(z.string(), PartitionDefaults).default({}),
        /** Resources of tasks that set none and whose partition has no defaults. */
        defaults: PartitionDefaults.default({}),
        maxArraySize: z.number().int().positive().default(1001),
        /** `%N`: at most N tasks of one array run at once. */
        arrayThrottle: z.number().int().positive().optional(),
        /** Shell lines run before each task (`module load ...`, environment activation). */
        setup: z.array(text).default([]),
        /** Extra `#SBATCH` arguments for every job. */
        extraArgs: z.array(text).default([]),
      })
      .strict()
      .default({ partitions: {}, defaults: {}, maxArraySize: 1001, setup: [], extraArgs: [] }),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema> & {
  /** Absolute store directory. */
  readonly storeDir: string;
  /** The config files that were read, innermost last. */
  readonly files: readonly string[];
  /** Where the store was named (the last config file that did), for diagnostics about it. */
  readonly storeSpan?: Span;
};

export function findConfig(startDir: string, host: FileHost): string | undefined {
  for (let dir = startDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE);
    // Anything but a directory by that name is the config, to be read or refused as such.
    const kind = host.kind(candidate);
    if (kind !== undefined && kind !== "dir") return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function loadConfig(projectDir: string, userFile: string | undefined, host: FileHost): { config?: Config; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const files = [findConfig(projectDir, host), userFile].filter((f): f is string => f !== undefined);
  let merged: Record<string, unknown> = {};
  let storeSpan: Span | undefined;
  for (const file of files) {
    const read = host.readFile(file, MAX_CONFIG_BYTES);
    if (!read.ok) {
      diagnostics.push(at(Diag.badConfig(describeProblem(file, read)), undefined, { hint: "a config is a JSON file" }));
      continue;
    }
    const text = read.text;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      diagnostics.push(at(Diag.badConfig((error as Error).message), syntaxErrorSpan(text, file, error as Error)));
      continue;
    }
    const parsed = ConfigSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const where = issue.path.join(".");
        // An unknown key is pointed at itself, not at the object that holds it.
        const keys = [...issue.path.map(String), ...(issue.code === "unrecognized_keys" ? issue.keys.slice(0, 1) : [])];
        diagnostics.push(at(Diag.badConfig(`${where ? `${where}: ` : ""}${issue.message}`), locateInJson(text, file, keys)));
      }
      continue;
    }
    const raw = json as Record<string, unknown>;
    // Relative store paths are relative to the file that names them.
    if (typeof raw["store"] === "string") {
      raw["store"] = path.resolve(path.dirname(file), raw["store"]);
      storeSpan = locateInJson(text, file, ["store"]);
    }
    merged = deepMerge(merged, raw);
  }
  if (diagnostics.length) return { diagnostics };
  const config = ConfigSchema.parse(merged);
  return { config: { ...config, storeDir: path.resolve(projectDir, config.store), files, ...(storeSpan ? { storeSpan } : {}) }, diagnostics };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x);
    out[k] = isObj(prev) && isObj(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

/**
 * Approximate place of a JSON path in the text: each key's first occurrence as a key (a
 * string followed by `:`) after its parent's; array indices are skipped. Also used for the
 * parameters file.
 */
export function locateInJson(text: string, file: string, keys: readonly string[]): { file: string; start: number; end: number } {
  let offset = 0;
  let length = 1;
  for (const key of keys) {
    if (/^\d+$/.test(key)) continue;
    const quoted = JSON.stringify(key);
    const re = new RegExp(`${quoted.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*:`, "g");
    re.lastIndex = offset;
    const found = re.exec(text);
    if (!found) break;
    offset = found.index;
    length = quoted.length;
  }
  return { file, start: offset, end: offset + length };
}

/** Where JSON.parse gave up, when its message says (`... at position 12`); the end for a truncated file. */
function syntaxErrorSpan(text: string, file: string, error: Error): { file: string; start: number; end: number } {
  const position = /at position (\d+)/.exec(error.message);
  const start = position ? Math.min(Number(position[1]), text.length) : /end of JSON input/.test(error.message) ? text.trimEnd().length : 0;
  return { file, start, end: start };
}

/** The interpreter the config names for a Python action, if any. */
export function pythonFor(config: Pick<Config, "python">, action: string): string | undefined {
  const p = config.python;
  if (p === undefined || typeof p === "string") return p;
  return p.actions[action] ?? p.default;
}
