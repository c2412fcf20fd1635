// The tasks of a Slurm job as one shared body and a table. A bundle used to hold a script per
// task (tasks/N.sh); a sweep of 100,000 tasks was 100,000 files, which cluster file systems
// punish. Now a job's script holds the task script once, written in terms of variables, and
// `jobs/NAME.tasks` holds one row per array index: the index, the key, whether it is forced,
// the task id (printable.ts), then the values in which the job's tasks differ: parts of the
// command, upstream keys, files to check, pieces of the store record. The body is the task
// script of plan/script.ts (`taskScript`) line for line; what all tasks of the job share is
// written in it as it would be there, and only what differs is read from the row.
//
// Values in a row are text, never shell code: `\`, tab, newline, carriage return and the other
// control characters are escaped (`\\`, `\t`, `\n`, `\r`, `\xHH` of their UTF-8 bytes), and the
// job script decodes them with bash's `printf %b` into `field[N]`, which the body only expands
// inside double quotes. A command's words that differ between tasks are such values when each
// is one quoted word of its own (as interpolation renders a scalar); otherwise (a list of
// another length, a value inside a double-quoted string...) the row holds the task's whole
// command, which the body runs with `eval`, as the task script would have run it.

import { byTaskAndKey, upstreamByKey, upstreamInputs, upstreamKeysJson, type KeyFile, type Plan, type Task, type TaskInput } from "../../plan/plan.js";
import { append } from "../../arrays.js";
import { ByteWriter } from "./bytes.js";
import { printable } from "../../printable.js";
import { inDoubleQuotes, LITERAL_DIRECTIVE, literal, quotesExpansion, shellQuote } from "../../shell/quote.js";
import { inBash, META } from "../../store/index.js";
import { isStructured, parseType, type StructuredInput } from "../../store/structured.js";
import { actionCommand, envLines, FAIL, now, outputChecks, readByNode, slurp, structuredChecks, TOOL, COMMIT_LINES, WORK_LINES } from "../../plan/script.js";
import { keyFiles, REMEDY, stampId, taskCheckLines } from "../../plan/verify-inputs.js";

/** The row's columns before the values: index, key, forced, task id. */
export const FIXED_COLUMNS = 4;

/** A job's tasks as bash: the body (the lines of the function `task_body`) and the rows of `jobs/NAME.tasks`. */
export interface TaskTable {
  readonly body: string[];
  /** One per task, in array-index order, each ending with a newline. */
  readonly rows: string[];
}

// --- the encoding of values in a row ------------------------------------------------------

const NEEDS_ESCAPE = /[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const ESCAPED = /[\\\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
const NAMED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A value as a field of a row: one line, no tab, no control character; `printf %b` reads it back. */
export function encodeField(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPED, (c) => NAMED[c] ?? [...Buffer.from(c, "utf8")].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join(""));
}

/** The inverse of `encodeField` (what `printf %b` does with its output). */
export function decodeField(field: string): string {
  if (!field.includes("\\")) return field;
  const bytes: number[] = [];
  const named: Record<string, number> = { "\\": 0x5c, t: 9, n: 10, r: 13 };
  for (let i = 0; i < field.length; i++) {
    if (field[i] === "\\" && field[i + 1] === "x") {
      bytes.push(parseInt(field.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (field[i] === "\\" && named[field[i + 1]!] !== undefined) {
      bytes.push(named[field[i + 1]!]!);
      i += 1;
    } else for (const b of Buffer.from(field[i]!, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

// --- values that differ between tasks ----------------------------------------------------

/** The fields of a job's rows: a piece of text of each task becomes a field unless all tasks have the same. */
class Fields {
  readonly columns: (readonly string[])[] = [];
  /** The columns by their first value: a repeated piece is compared with those alone. */
  private readonly byFirst = new Map<string, number[]>();
  constructor(private readonly offset: number) {}

  /** The constant, or the field's number in `v`. `values` is kept: not to be changed after. */
  of(values: readonly string[]): { constant: string } | { field: number } {
    const first = values[0]!;
    if (allSame(values)) return { constant: first };
    let known = this.byFirst.get(first);
    if (!known) this.byFirst.set(first, (known = []));
    for (const c of known) if (sameValues(this.columns[c]!, values)) return { field: this.offset + c };
    known.push(this.columns.length);
    this.columns.push(values);
    return { field: this.offset + this.columns.length - 1 };
  }

  /** As one bash word: the constant quoted, else the field in double quotes. */
  word(values: readonly string[]): string {
    const p = this.of(values);
    return "constant" in p ? shellQuote(p.constant) : `"\${field[${p.field}]}"`;
  }

  /** As text inside double quotes. */
  inQuotes(values: readonly string[]): string {
    const p = this.of(values);
    return "constant" in p ? inDoubleQuotes(p.constant) : `\${field[${p.field}]}`;
  }
}

function allSame(values: readonly string[]): boolean {
  const first = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return false;
  return true;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// --- the body ------------------------------------------------------------------------------

/**
 * Whether two tasks, with their upstream inputs, can share a body: the same action, as many
 * files to check and upstream tasks, and the same inputs by position (variable, type,
 * output, file, fields). Compared in place: a text of each task's shape cost a sweep's
 * second step a string and an array per task.
 */
function sameShape(a: Task, x: readonly TaskInput[], b: Task, y: readonly TaskInput[]): boolean {
  if (a.action !== b.action || fileCount(a) !== fileCount(b)) return false;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p.var !== q.var || p.type !== q.type || p.output !== q.output || p.file !== q.file || p.outputType !== q.outputType || !sameFields(p.fields, q.fields)) return false;
  }
  return x.length < 2 || upstreamCount(x) === upstreamCount(y);
}

/** The files of a task's key, as classBody checks them. */
const fileCount = (t: Task): number => (t.files.length < 2 ? t.files.length : keyFiles([t]).length);

const upstreamCount = (inputs: readonly TaskInput[]): number => new Set(inputs.map((i) => i.key)).size;

function sameFields(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && sameValues(a, b));
}

/** Upstream inputs past this many in a single task are read in a loop from a list, not one line each. */
export const INPUT_LIST_AFTER = 32;

/**
 * The body and rows of a job's tasks. Tasks of one shape (nearly always all of them) share a
 * body; a job whose tasks differ in shape gets a body per shape, and a row names its own.
 * `inputList`: where the single task of a job with many upstream inputs finds their list.
 */
export function taskTable(plan: Plan, tasks: readonly Task[], forced: (t: Task, index: number) => boolean, inputList?: string): { table: TaskTable; inputs?: Buffer } {
  // Each task's inputs, derived once here and handed on (every part of the body reads them).
  const inputs = tasks.map((t) => upstreamInputs(plan, t));
  // Positions in `tasks`, by shape, in the order each shape first comes; a task is compared
  // with the shape of the task before it first (a single task, such as a fan-in's over
  // 100,000 inputs, with none).
  const classes: number[][] = [];
  let last = -1;
  const like = (c: number, i: number) => {
    const first = classes[c]![0]!;
    return sameShape(tasks[first]!, inputs[first]!, tasks[i]!, inputs[i]!);
  };
  tasks.forEach((_, i) => {
    let c = last >= 0 && like(last, i) ? last : classes.findIndex((_, k) => like(k, i));
    if (c < 0) c = classes.push([]) - 1;
    classes[c]!.push(i);
    last = c;
  });
  const several = classes.length > 1;
  const rows: string[] = new Array(tasks.length);
  const body: string[] = [];
  let list: Buffer | undefined;
  classes.forEach((positions, c) => {
    const members = positions.map((i) => tasks[i]!);
    const memberInputs = positions.map((i) => inputs[i]!);
    const fields = new Fields(FIXED_COLUMNS + (several ? 1 : 0));
    const many = members.length === 1 && inputList !== undefined && memberInputs[0]!.length > INPUT_LIST_AFTER;
    const lines = classBody(plan, members, memberInputs, fields, many ? inputList : undefined);
    if (many) list = inputListText(plan, members[0]!, memberInputs[0]!);
    if (several) body.push(`body_${c}() {`);
    append(body, lines);
    if (several) body.push("}");
    const columns = fields.columns.map((col) => col.map(encodeField));
    positions.forEach((at, i) => {
      const t = tasks[at]!;
      let row = `${at}\t${t.key}\t${forced(t, at) ? 1 : 0}\t${printable(t.id)}`;
      if (several) row += `\t${c}`;
      for (const col of columns) row += `\t${col[i]!}`;
      rows[at] = `${row}\n`;
    });
  });
  if (several) {
    body.push("case ${field[4]} in");
    append(body, classes.map((_, c) => `  ${c}) body_${c} ;;`));
    body.push("esac");
  }
  const table = { body, rows };
  return list === undefined ? { table } : { table, inputs: list };
}

/** The task script of plan/script.ts, for tasks of one shape (`inputs` theirs): what they share as written there, the rest from `v`. */
function classBody(plan: Plan, tasks: readonly Task[], inputs: readonly (readonly TaskInput[])[], fields: Fields, inputList: string | undefined): string[] {
  const first = tasks[0]!;
  const action = plan.actions[first.action]!;
  const each = <T>(f: (t: Task) => T): T[] => tasks.map(f);
  const lines: string[] = [
    "set +e",
    'case $PIPE_STORE in /*) ;; *) PIPE_STORE="$PWD/$PIPE_STORE" ;; esac',
    `final="${inBash.entry("$key")}"`,
    `if [ -z "\${PIPE_FORCE:-}" ] && [ -f "$final/${META}" ]; then exit 0; fi`,
    FAIL,
  ];
  // The files the key covers: the checks of taskCheckLines, each file's path, hash and stamp from the row where they differ.
  // keyFiles of one file is that file: a sweep's tasks mostly have one (a `uses` script) or none.
  const files = each((t) => (t.files.length === 0 ? NO_FILES : t.files.length === 1 ? t.files : keyFiles([t])));
  if (files[0]!.length > 0) {
    const prelude = taskCheckLines(first, REMEDY.slurm);
    append(lines, prelude.slice(0, prelude.length - files[0]!.length));
    files[0]!.forEach((_, k) => {
      lines.push(`pipe_check ${fields.word(files.map((f) => f[k]!.path))} ${fields.word(files.map((f) => f[k]!.hash))} ${fields.word(files.map((f) => stampId(f[k]!)))} || pipe_refuse`);
    });
  }
  append(lines, inputList ? listedInputLines(plan, first, inputs[0]!, inputList) : inputLinesOf(plan, tasks, inputs, fields));
  append(lines, WORK_LINES);
  // The variables of a listed input are set by `printf -v`, which shellcheck does not follow.
  if (inputList) lines.push("# shellcheck disable=SC2154 # in_N are set from the list of inputs");
  lines.push("(");
  const commands = each((t) => actionCommand(plan, t));
  if (commands[0]!.argsJson !== undefined) {
    const args = fields.of(commands.map((c) => c.argsJson!));
    if ("constant" in args) lines.push("cat > \"$out.args.json\" <<'PIPE_ARGS'", args.constant, "PIPE_ARGS");
    else lines.push(`printf '%s\\n' "\${field[${args.field}]}" > "$out.args.json"`);
  }
  append(lines, envLines(action));
  lines.push("set -e");
  const command = commandText(commands.map((c) => c.command), fields);
  if (quotesExpansion(command)) lines.push(LITERAL_DIRECTIVE, "{", command, "}");
  else lines.push(command);
  lines.push(")", "status=$?", '[ "$status" -eq 0 ] || fail "command exited with status $status" "$status"');
  append(lines, outputChecks(plan, first, (message) => `fail ${message}`));
  append(lines, structuredChecks(plan, first));
  append(lines, metaLines(plan, tasks, inputs, fields, inputList));
  append(lines, COMMIT_LINES);
  return lines;
}

/** inputLines of plan/script.ts: the upstream entries must be in the store; the variables of their outputs. */
function inputLinesOf(plan: Plan, tasks: readonly Task[], all: readonly (readonly TaskInput[])[], fields: Fields): string[] {
  // Tasks of one shape have as many inputs: a sweep's first tasks have none.
  if (all[0]!.length === 0) return [];
  const upstream = all.map(upstreamByKey);
  const lines: string[] = [];
  upstream[0]!.forEach((_, j) => {
    const keys = upstream.map((u) => u[j]![0]);
    const ids = upstream.map((u) => printable(u[j]![1]));
    const k = fields.of(keys);
    const id = fields.of(ids);
    if ("constant" in k && "constant" in id) append(lines, literal(`[ -f "${inBash.meta(k.constant)}" ] || fail ${shellQuote(`upstream ${id.constant} (${k.constant}) is not in the store`)}`));
    else lines.push(`[ -f "${inBash.meta(fields.inQuotes(keys))}" ] || fail "upstream ${fields.inQuotes(ids)} (${fields.inQuotes(keys)}) is not in the store"`);
  });
  if (plan.actions[tasks[0]!.action]!.kind !== "shell") return lines;
  const structured: StructuredInput[][] = tasks.map(() => []);
  all[0]!.forEach((input, n) => {
    const stored = input.outputType ?? input.type;
    if (input.fields || isStructured(parseType(stored))) {
      all.forEach((inputs, t) => structured[t]!.push(structuredInput(inputs[n]!)));
      return;
    }
    const file = `"${inBash.output(fields.inQuotes(all.map((i) => i[n]!.key)), inDoubleQuotes(input.file ?? input.output))}"`;
    lines.push(input.type === "File" || input.type === "Dir" ? `${input.var}=${file}` : slurp(input.var, file));
  });
  if (structured[0]!.length > 0) {
    const json = fields.of(structured.map((s) => JSON.stringify(s)));
    if ("constant" in json) append(lines, readByNode(structured[0]!));
    else {
      const [declared, , , , fail, evaluate] = readByNode(structured[0]!);
      lines.push(declared!, `reads=$(node ${TOOL} read "$PIPE_STORE" <<<"\${field[${json.field}]}"`, fail!, evaluate!);
    }
  }
  return lines;
}

function structuredInput(input: TaskInput): StructuredInput {
  const stored = input.outputType ?? input.type;
  return { var: input.var, file: `${input.key}/${input.file ?? input.output}`, type: stored, ...(input.fields ? { fields: input.fields } : {}) };
}

/**
 * The list of a single task's many upstream inputs (`jobs/NAME.inputs`), one line each, in the
 * order of the store record's `upstream` (by task id): the key, the task id as JSON, the
 * variable, and for a shell action's plain input whether it is a `path` or a `value` and the
 * file it reads; structured inputs are read by node as in the task script.
 */
function inputListText(plan: Plan, task: Task, inputs: readonly TaskInput[]): Buffer {
  const shell = plan.actions[task.action]!.kind === "shell";
  const plainType = new Map<string, boolean>();
  const out = new ByteWriter();
  for (const i of [...inputs].sort(byTaskAndKey)) {
    const stored = i.outputType ?? i.type;
    let plain = plainType.get(stored);
    if (plain === undefined) plainType.set(stored, (plain = !isStructured(parseType(stored))));
    const how = !shell || i.fields || !plain ? "-" : i.type === "File" || i.type === "Dir" ? "path" : "value";
    out.write(`${i.key}\t${encodeField(JSON.stringify(i.task))}\t${i.var}\t${how}\t${encodeField(i.file ?? i.output)}\n`);
  }
  return out.bytes();
}

function listedInputLines(plan: Plan, task: Task, inputs: readonly TaskInput[], list: string): string[] {
  const lines = [
    `# The ${inputs.length} upstream inputs, listed in ${list} (key, task id as JSON, variable, how it is read, file).`,
    `inputs="$PWD/${list}"`,
    "while IFS=$'\\t' read -r up_key up_id up_var up_how up_file; do",
    // The id is JSON in the list (the store record's text): printed without its quotes.
    `  [ -f "${inBash.meta("$up_key")}" ] || { printf -v up_id '%b' "$up_id"; up_id=\${up_id#\\"}; fail "upstream \${up_id%\\"} (\${up_key}) is not in the store"; }`,
    '  printf -v up_file \'%b\' "$up_file"',
    '  case $up_how in',
    `    path) printf -v "$up_var" '%s' "${inBash.output("$up_key", "$up_file")}" ;;`,
    `    value) IFS= read -r -d '' up_value < "${inBash.output("$up_key", "$up_file")}"; printf -v "$up_var" '%s' "\${up_value%"\${up_value##*[!$'\\n']}"}" ;;`,
    "  esac",
    `done < "$inputs"`,
  ];
  if (plan.actions[task.action]!.kind !== "shell") return lines;
  const structured = inputs.filter((i) => i.fields || isStructured(parseType(i.outputType ?? i.type)));
  if (structured.length) append(lines, readByNode(structured.map(structuredInput)));
  return lines;
}

/** The store's record (store/meta.ts), as the task script writes it: its fields that differ from the row. */
function metaLines(plan: Plan, tasks: readonly Task[], inputs: readonly (readonly TaskInput[])[], fields: Fields, inputList: string | undefined): string[] {
  const first = tasks[0]!;
  const action = plan.actions[first.action]!;
  // JSON.stringify(entryMeta(...)) in pieces: literal text (quoted once, where pieces of it
  // meet: a fan-in's arguments are megabytes) and bash words to concatenate.
  const pieces: Piece[] = [];
  const text = (s: string) => pieces.push({ text: s });
  const piece = (values: string[]) => {
    const p = fields.of(values);
    if ("constant" in p) text(p.constant);
    else pieces.push(`"\${field[${p.field}]}"`);
  };
  text('{"task":');
  // Most ids are their JSON string without the quotes, and the row has them already.
  if (tasks.length > 1 && tasks.every((t) => PLAIN_ID.test(t.id) || (JSON.stringify(t.id) === `"${t.id}"` && printable(t.id) === t.id))) pieces.push({ text: '"' }, '"$task"', { text: '"' });
  else piece(tasks.map((t) => JSON.stringify(t.id)));
  text(',"key":');
  pieces.push({ text: '"' }, '"$key"', { text: '"' });
  text(`,"action":${JSON.stringify(first.action)},"definition":${JSON.stringify(action.definition)},"definitionHash":${JSON.stringify(action.definitionHash)},"args":`);
  piece(tasks.map((t) => JSON.stringify(t.args)));
  text(',"files":');
  // The tasks of an action share its list of files (plan/index.ts): written once per list.
  let files: readonly KeyFile[] | undefined;
  let filesJson = "";
  piece(
    tasks.map((t) => {
      if (t.files !== files) filesJson = (files = t.files).length ? JSON.stringify(files) : "[]";
      return filesJson;
    }),
  );
  text(',"upstream":');
  let upstream: string[] = [];
  if (inputList) {
    upstream = [
      "printf '{'",
      "up_sep='' up_last=''",
      "while IFS=$'\\t' read -r up_key up_id _; do",
      '  if [ "$up_id" = "$up_last" ]; then continue; fi',
      "  printf '%s%b:\"%s\"' \"$up_sep\" \"$up_id\" \"$up_key\"",
      "  up_sep=, up_last=$up_id",
      'done < "$inputs"',
      "printf '}'",
    ];
  } else piece(inputs.map(upstreamKeysJson));
  const head = pieces.splice(0);
  text(",");
  piece(tasks.map((t) => `"cache":${t.cache},`));
  const run = pieces.splice(0);
  const printf = (words: Piece[]) => (words.length ? [`printf '%s' ${shellWords(words).join(" ")}`] : []);
  return [
    "{",
    "# shellcheck disable=SC2016 # JSON: nothing in it is to be expanded",
    ...printf(head),
    ...upstream,
    ...printf(run),
    now("ended"),
    `printf '"start":"%s","end":"%s","exitCode":0,"host":"%s"}\\n' "$started" "$ended" "$HOSTNAME"`,
    `} > "$out/${META}" || fail "cannot write ${META}"`,
  ];
}

/** Literal text, or a bash word (an expansion) as it is to be written. */
type Piece = { readonly text: string } | string;

/** The pieces as bash words: adjacent literal texts as one quoted word (printf's `%s` concatenates them anyway). */
function shellWords(pieces: readonly Piece[]): string[] {
  const out: string[] = [];
  let pending: string[] | undefined;
  const flush = () => {
    if (pending) out.push(shellQuote(pending.join("")));
    pending = undefined;
  };
  for (const p of pieces) {
    if (typeof p === "string") {
      flush();
      out.push(p);
    } else (pending ??= []).push(p.text);
  }
  flush();
  return out;
}

/** An id of printable ASCII without a quote or a backslash: its JSON is itself in quotes, and it is printed as it is. */
const PLAIN_ID = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const NO_FILES: readonly KeyFile[] = [];

// --- commands ------------------------------------------------------------------------------

/**
 * The command of a job's tasks in the body: the command itself when all have the same; else
 * the words they share with each differing word a value of the row (`"${field[N]}"`), when every
 * one is a whole quoted word in a plain place; else the row holds the command, run by `eval`.
 */
function commandText(commands: readonly string[], fields: Fields): string {
  const first = commands[0]!;
  if (commands.every((c) => c === first)) return first;
  const template = factor(commands);
  if (template) {
    return template
      .map((part) => {
        if (typeof part === "string") return part;
        return `${part.prefix}${fields.word(part.values)}`;
      })
      .join("");
  }
  return `eval ${fields.word([...commands])}`;
}

type Part = string | { prefix: string; values: string[] };

/** Commands as shared text and differing words, or undefined when they differ otherwise. */
export function factor(commands: readonly string[]): Part[] | undefined {
  const parts = words(commands[0]!);
  if (parts === undefined) return undefined;
  const n = parts.length;
  // Each place's words, from the first command on, kept only once one differs (until then
  // they were all the first's): no command's words are kept whole while the others are split.
  const differing: (string[] | undefined)[] = new Array(n);
  for (let c = 1; c < commands.length; c++) {
    const split = words(commands[c]!);
    if (split === undefined || split.length !== n) return undefined;
    for (let i = 0; i < n; i++) {
      const word = split[i]!;
      const seen = differing[i];
      if (seen) seen.push(word);
      else if (word !== parts[i]) {
        const fresh = new Array<string>(c + 1).fill(parts[i]!);
        fresh[c] = word;
        differing[i] = fresh;
      }
    }
  }
  const out: Part[] = [];
  for (let i = 0; i < n; i++) {
    const variants = differing[i];
    if (!variants) {
      out.push(parts[i]!);
      continue;
    }
    // Glue (between words) must be the same; a differing word must be a plain quoted value.
    if (i % 2 === 0) return undefined;
    // `[[ $x =~ RE ]]`: quoted, a regular expression would be matched as literal text.
    if (i >= 3 && parts[i - 2] === "=~") return undefined;
    // Where a command may start, a bare `NAME=` makes an assignment, which a quoted word does not.
    let prefix = "";
    if (commandPosition(parts, i)) {
      const assign = variants.map((v) => /^[A-Za-z_][A-Za-z0-9_]*\+?=/.exec(v)?.[0] ?? "");
      if (assign.some((a) => a !== assign[0])) return undefined;
      prefix = assign[0]!;
    }
    const values: string[] = [];
    for (const v of variants) {
      const value = quotedValue(prefix ? v.slice(prefix.length) : v);
      if (value === undefined) return undefined;
      values.push(value);
    }
    if (!prefix && variants.some((v) => RESERVED.has(v))) return undefined;
    out.push({ prefix, values });
  }
  return out;
}

/** Whether word `i` of split words may be a command's first (or one of its leading assignments). */
function commandPosition(parts: readonly string[], i: number): boolean {
  for (let w = i; ; w -= 2) {
    if (w === 1 || /[\n;&|(]/.test(parts[w - 1]!)) return true;
    const previous = parts[w - 2]!;
    if (STARTS_COMMANDS.has(previous)) return true;
    if (!/^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(previous)) return false;
  }
}

/** The words after which a command starts. */
const STARTS_COMMANDS = new Set(["if", "then", "else", "elif", "while", "until", "do", "!", "{", "time"]);
const RESERVED = new Set(["if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do", "done", "in", "function", "time", "coproc"]);

/** The characters a word may hold unquoted (shellQuote's SAFE), and the characters between words. */
const BARE = charSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-");
const BETWEEN = charSet(" \t\n;&|()<>");

function charSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
}

const isIn = (set: Uint8Array, c: number) => c < 128 && set[c] === 1;

/** The value of a word made of bare safe characters and single-quoted strings (as shellQuote writes), or undefined. */
function quotedValue(word: string): string | undefined {
  const n = word.length;
  if (n === 0) return undefined;
  let out = "";
  for (let i = 0; i < n; ) {
    const c = word.charCodeAt(i);
    if (isIn(BARE, c)) {
      let j = i + 1;
      while (j < n && isIn(BARE, word.charCodeAt(j))) j++;
      if (i === 0 && j === n) return word;
      out += word.slice(i, j);
      i = j;
    } else if (c === 0x27) {
      const end = word.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === 0x22 && word.charCodeAt(i + 1) === 0x27 && word.charCodeAt(i + 2) === 0x22) {
      // `"'"`: a single quote, as shellQuote writes one inside a quoted word.
      out += "'";
      i += 3;
    } else return undefined;
  }
  return out;
}

/**
 * A command as [glue, word, glue, word, ..., glue], where glue is what lies between top-level
 * words (blanks, operators, newlines). From the first construct whose words are not plain
 * (a command substitution, a backtick, a here-document, a comment), the rest is one glue.
 * Undefined when a quote is not closed.
 */
export function words(command: string): string[] | undefined {
  const out: string[] = [];
  // Where the glue before the next word starts: the end of the word before.
  let glue = 0;
  const rest = () => {
    out.push(command.slice(glue));
    return out;
  };
  const substitution = (at: number) => {
    const c = command.charCodeAt(at);
    return c === 0x60 || (c === 0x24 && command.charCodeAt(at + 1) === 0x28);
  };
  const n = command.length;
  let i = 0;
  while (i < n) {
    const c = command.charCodeAt(i);
    if (isIn(BETWEEN, c)) {
      if (c === 0x3c && command.charCodeAt(i + 1) === 0x3c) return rest();
      i++;
      continue;
    }
    if (c === 0x23 || substitution(i)) return rest();
    // A word: up to the next unquoted blank or operator.
    let j = i;
    while (j < n) {
      const d = command.charCodeAt(j);
      if (isIn(BETWEEN, d)) break;
      if (substitution(j)) return rest();
      if (d === 0x27) {
        const end = command.indexOf("'", j + 1);
        if (end < 0) return undefined;
        j = end + 1;
      } else if (d === 0x22) {
        let k = j + 1;
        for (; k < n && command.charCodeAt(k) !== 0x22; k++) {
          if (command.charCodeAt(k) === 0x5c) k++;
          else if (substitution(k)) return rest();
        }
        if (k >= n) return undefined;
        j = k + 1;
      } else if (d === 0x5c) j += 2;
      else j++;
    }
    out.push(command.slice(glue, i), command.slice(i, j));
    glue = j;
    i = j;
  }
  return rest();
}
