// The random projects of the incremental-build test (incremental.test.ts): a model of a small
// project (actions whose commands really run bash or python3 scripts, external File and Dir
// inputs, a grid sweep, a zip, a loop over a sweep's outputs, a nested pipeline, `with`, a
// fan-in, a TypeScript action importing a module), the files it renders to, the edits that
// change it, and the oracle: which tasks a change must rerun. The oracle never looks at
// pipe's keys; it derives, from the model alone, everything each task can see.
import crypto from "node:crypto";
import fc from "fast-check";

export type Scalar = "Int" | "Float" | "String" | "Bool";
export type OutType = Scalar | "File" | "Dir";

export interface ActionModel {
  readonly name: string;
  readonly lang: "bash" | "python";
  /** In the `uses` script: editing it changes what the script prints. */
  salt: string;
  /** A literal word of the command, which the script digests. */
  token: string;
  readonly params: readonly { readonly name: string; readonly type: string; readonly default?: string }[];
  readonly outputs: readonly { readonly name: string; readonly type: OutType }[];
}

export interface Model {
  readonly features: { readonly zip: boolean; readonly nested: boolean; readonly ev: boolean };
  /** The external File input (a parameter of `main` with a path default) and Dir input (a literal in a call). */
  src: { path: string; content: string };
  raw: { path: string; files: Record<string, string> };
  readonly actions: Record<string, ActionModel>;
  /** Defaults of `main`'s parameters, as written in the program. */
  n: number;
  tag: string;
  lrs: number[];
  /** `-p` values given on the command line (the same ones for the clean build). */
  overrides: { n?: number; tag?: string; lrs?: number[] };
  ks: number[];
  zipX: number[];
  zipY: string[];
  seed: number;
  ts: { c: number; k: number };
  /** How the program is laid out; never changes what it means. */
  layout: number;
}

// ---------------------------------------------------------------------------------------------
// Generation

const FLOATS = [0.5, 0.25, 0.125, 1.5, 2.5, 0.75, 3.25, 0.0625];
const word = fc.stringMatching(/^[a-z]{3,6}$/);

function outputsArb(required: readonly { name: string; type: OutType }[]) {
  const all: OutType[] = ["File", "Dir", "Int", "Float", "String", "Bool"];
  return fc.subarray(all, { maxLength: 2 }).map((extra) => [...required, ...extra.map((type, i) => ({ name: `x${i}_${type.toLowerCase()}`, type }))]);
}

function actionArb(name: string, params: ActionModel["params"], required: { name: string; type: OutType }[]): fc.Arbitrary<ActionModel> {
  return fc.record({ lang: fc.oneof({ arbitrary: fc.constant<"bash" | "python">("bash"), weight: 3 }, { arbitrary: fc.constant<"bash" | "python">("python"), weight: 1 }), salt: word, token: word, outputs: outputsArb(required) }).map((r) => ({ name, params, ...r, salt: `salt-${r.salt}`, token: `t-${r.token}` }));
}

function distinct<T>(arb: fc.Arbitrary<T>, min: number, max: number) {
  return fc.uniqueArray(arb, { minLength: min, maxLength: max });
}

export const modelArb: fc.Arbitrary<Model> = fc
  .record({
    features: fc.record({ zip: fc.boolean(), nested: fc.boolean(), ev: fc.boolean() }),
    srcContent: word,
    rawA: word,
    rawB: word,
    n: fc.integer({ min: 1, max: 9 }),
    tag: word,
    lrs: distinct(fc.constantFrom(...FLOATS), 1, 3),
    ks: distinct(fc.integer({ min: 1, max: 9 }), 1, 2),
    zipX: distinct(fc.integer({ min: 1, max: 50 }), 2, 2),
    zipY: distinct(word, 2, 2),
    seed: fc.integer({ min: 1, max: 99 }),
    c: fc.integer({ min: 1, max: 99 }),
    k: fc.integer({ min: 1, max: 9 }),
    layout: fc.integer({ min: 0, max: 2 }),
    prep: actionArb("prep", [{ name: "src", type: "File" }, { name: "raw", type: "Dir" }, { name: "n", type: "Int" }], [{ name: "data", type: "File" }, { name: "d", type: "Dir" }]),
    train: actionArb("train", [{ name: "data", type: "File" }, { name: "d", type: "Dir" }, { name: "lr", type: "Float" }, { name: "k", type: "Int" }, { name: "seed", type: "Int", default: "0" }], [{ name: "score", type: "Float" }, { name: "ok", type: "Bool" }, { name: "model", type: "File" }]),
    ev: actionArb("ev", [{ name: "m", type: "File" }, { name: "deep", type: "Bool", default: "true" }], [{ name: "line", type: "String" }]),
    zipper: actionArb("zipper", [{ name: "x", type: "Int" }, { name: "y", type: "String" }, { name: "tag", type: "String" }], [{ name: "s", type: "String" }]),
    step: actionArb("step", [{ name: "f", type: "File" }, { name: "m", type: "Int" }, { name: "seed", type: "Int", default: "0" }], [{ name: "v", type: "Int" }, { name: "w", type: "String" }]),
  })
  .map((r) => {
    const fanParams: { name: string; type: string }[] = [
      { name: "scores", type: "List[Float]" },
      { name: "models", type: "List[File]" },
      { name: "oks", type: "List[Bool]" },
    ];
    if (r.features.zip) fanParams.push({ name: "ss", type: "List[String]" });
    if (r.features.ev) fanParams.push({ name: "lines", type: "List[String]" });
    if (r.features.nested) fanParams.push({ name: "v", type: "Int" }, { name: "d", type: "Dir" });
    // The fan-in is always python, so that every project runs both kinds of script.
    const fan: ActionModel = { name: "fan", lang: "python", salt: `salt-fan${r.c}`, token: `t-fan${r.k}`, params: fanParams, outputs: [{ name: "summary", type: "File" }, { name: "total", type: "Float" }] };
    const actions: Record<string, ActionModel> = { prep: r.prep, train: r.train, fan };
    if (r.features.ev) actions["ev"] = r.ev;
    if (r.features.zip) actions["zipper"] = r.zipper;
    if (r.features.nested) actions["step"] = r.step;
    return {
      features: r.features,
      src: { path: "data/in-a.txt", content: `${r.srcContent}\n` },
      raw: { path: "data/dir-a", files: { "one.txt": `${r.rawA}\n`, "two.txt": `${r.rawB}\n` } },
      actions,
      n: r.n,
      tag: `s-${r.tag}`,
      lrs: r.lrs,
      overrides: {},
      ks: r.ks,
      zipX: r.zipX,
      zipY: r.zipY.map((y) => `s-${y}`),
      seed: r.seed,
      ts: { c: r.c, k: r.k },
      layout: r.layout,
    };
  });

export const EDIT_KINDS = [
  "input-content",
  "input-same-size",
  "input-rename",
  "dir-content",
  "dir-rename",
  "dir-entry-rename",
  "uses",
  "command",
  "param",
  "sweep-add",
  "sweep-remove",
  "with",
  "ts-source",
  "ts-module",
  "layout",
  "fmt",
] as const;
export type EditKind = (typeof EDIT_KINDS)[number];
export interface Edit {
  readonly kind: EditKind;
  /** Picks among the edit's choices (which action, which parameter, which value). */
  readonly pick: number;
}

/** A sequence in which every kind of edit comes at least once, in a random order, then a few more. */
export const editsArb: fc.Arbitrary<Edit[]> = fc
  .tuple(fc.shuffledSubarray([...EDIT_KINDS], { minLength: EDIT_KINDS.length }), fc.array(fc.constantFrom(...EDIT_KINDS), { maxLength: 3 }), fc.array(fc.nat({ max: 1000 }), { minLength: EDIT_KINDS.length + 3, maxLength: EDIT_KINDS.length + 3 }))
  .map(([kinds, extra, picks]) => [...kinds, ...extra].map((kind, i) => ({ kind, pick: picks[i]! })));

// ---------------------------------------------------------------------------------------------
// Edits: each returns the changed model (a copy); the files follow from `render`. An edit to an
// input's content that must keep its size and mtime says so in `sameSize`.

export interface Applied {
  readonly model: Model;
  /** Project-relative files whose mtime must be put back after they are written (`touch -r`). */
  readonly keepMtime: readonly string[];
  /** Run `pipe fmt --write` on the program after rendering it. */
  readonly fmt: boolean;
  readonly description: string;
}

function copy(m: Model): Model {
  return structuredClone(m);
}

/** A same-size variant of a text: its first letter changed. */
function sameSize(text: string, pick: number): string {
  const first = text.charCodeAt(0);
  let next = 97 + ((first - 97 + 1 + (pick % 25)) % 26);
  if (next === first) next = first === 97 ? 98 : 97;
  return String.fromCharCode(next) + text.slice(1);
}

function renamed(p: string): string {
  const m = /-([a-z])(\.txt)?$/.exec(p)!;
  return p.slice(0, m.index) + `-${String.fromCharCode(((m[1]!.charCodeAt(0) - 96) % 26) + 97)}` + (m[2] ?? "");
}

export function applyEdit(model: Model, edit: Edit): Applied {
  const m = copy(model);
  const p = edit.pick;
  const plain = (description: string): Applied => ({ model: m, keepMtime: [], fmt: false, description });
  const shell = Object.values(m.actions);
  switch (edit.kind) {
    case "input-content":
      m.src.content = `${m.src.content.trimEnd()}x${p % 10}\n`;
      return plain(`append to ${m.src.path}`);
    case "input-same-size":
      m.src.content = sameSize(m.src.content, p);
      return { model: m, keepMtime: [m.src.path], fmt: false, description: `same-size edit of ${m.src.path}, mtime restored` };
    case "input-rename": {
      const from = m.src.path;
      m.src.path = renamed(from);
      return plain(`rename ${from} to ${m.src.path}`);
    }
    case "dir-content": {
      const names = Object.keys(m.raw.files).sort();
      const name = names[p % names.length]!;
      if (p % 3 === 0) m.raw.files[`new${p % 7}.txt`] = "added\n";
      else m.raw.files[name] = `${m.raw.files[name]!.trimEnd()}y\n`;
      return plain(`edit a file in ${m.raw.path}`);
    }
    case "dir-rename": {
      const from = m.raw.path;
      m.raw.path = renamed(from);
      return plain(`rename ${from} to ${m.raw.path}`);
    }
    case "dir-entry-rename": {
      const names = Object.keys(m.raw.files).sort();
      const name = names[p % names.length]!;
      const to = name.replace(/\.txt$/, "r.txt");
      m.raw.files[to] = m.raw.files[name]!;
      delete m.raw.files[name];
      return plain(`rename ${m.raw.path}/${name} to ${to}`);
    }
    case "uses": {
      const a = shell[p % shell.length]!;
      a.salt = `${a.salt}${p % 10}`;
      return plain(`edit scripts of ${a.name}`);
    }
    case "command": {
      const a = shell[p % shell.length]!;
      a.token = `${a.token}${p % 10}`;
      return plain(`edit the command of ${a.name}`);
    }
    case "param": {
      const which = p % 3;
      if (which === 0) m.overrides.n = ((effective(m).n + 1 + (p % 4)) % 9) + 1;
      else if (which === 1) m.overrides.tag = `s-p${p % 100}`;
      else m.overrides.lrs = [...effective(m).lrs].reverse().concat(FLOATS.filter((f) => !effective(m).lrs.includes(f)).slice(0, 1));
      const name = ["n", "tag", "lrs"][which]!;
      return plain(`-p ${paramArgs(m).find((a) => a.startsWith(`${name}=`))}`);
    }
    case "sweep-add":
    case "sweep-remove": {
      const add = edit.kind === "sweep-add";
      const which = p % (m.features.zip ? 3 : 2);
      const grow = <T>(xs: T[], fresh: T, front: boolean) => (add ? (front ? [fresh, ...xs] : [...xs, fresh]) : xs.length > 1 ? xs.slice(0, p % 2 ? -1 : undefined).slice(p % 2 ? 0 : 1) : xs);
      if (which === 0) m.ks = grow(m.ks, Math.max(...m.ks) + 1, p % 2 === 0);
      else if (which === 1 && m.overrides.lrs === undefined) m.lrs = grow(m.lrs, FLOATS.find((f) => !m.lrs.includes(f)) ?? 9.5, p % 2 === 0);
      else if (which === 1) m.overrides.lrs = grow(m.overrides.lrs!, FLOATS.find((f) => !m.overrides.lrs!.includes(f)) ?? 9.5, p % 2 === 0);
      else {
        m.zipX = grow(m.zipX, Math.max(...m.zipX) + 1, p % 2 === 0);
        m.zipY = grow(m.zipY, `s-z${m.zipY.length}${p % 10}`, p % 2 === 0);
      }
      return plain(`${add ? "add a value to" : "remove a value from"} ${["ks", "lrs", "the zip"][which]}`);
    }
    case "with":
      m.seed = m.seed + 1 + (p % 5);
      return plain(`with seed = ${m.seed}`);
    case "ts-source":
      m.ts.c = m.ts.c + 1 + (p % 5);
      return plain(`edit actions/pick.ts (C = ${m.ts.c})`);
    case "ts-module":
      m.ts.k = m.ts.k + 1 + (p % 5);
      return plain(`edit actions/weights.ts (K = ${m.ts.k})`);
    case "layout":
      m.layout = (m.layout + 1 + (p % 2)) % 3;
      return plain(`layout ${m.layout}`);
    case "fmt":
      return { model: m, keepMtime: [], fmt: true, description: "pipe fmt --write" };
  }
}

/** The parameters of `main` as the run sees them. */
export function effective(m: Model): { n: number; tag: string; lrs: number[] } {
  return { n: m.overrides.n ?? m.n, tag: m.overrides.tag ?? m.tag, lrs: m.overrides.lrs ?? m.lrs };
}

export function paramArgs(m: Model): string[] {
  const args: string[] = [];
  if (m.overrides.n !== undefined) args.push("-p", `n=${m.overrides.n}`);
  if (m.overrides.tag !== undefined) args.push("-p", `tag=${m.overrides.tag}`);
  if (m.overrides.lrs !== undefined) args.push("-p", `lrs=[${m.overrides.lrs.map(floatText).join(",")}]`);
  return args;
}

/** A float as Python prints it, which is how pipe labels and interpolates it. */
export function floatText(f: number): string {
  return Number.isInteger(f) ? `${f}.0` : String(f);
}

// ---------------------------------------------------------------------------------------------
// Rendering

const OUT_WRITERS_BASH: Record<OutType, (name: string, o: string) => string> = {
  File: (name, o) => `printf '%s %s\\n' ${name} "$h" > "${o}"`,
  Dir: (_, o) => `mkdir -p "${o}/sub"\nprintf '%s\\n' "$h" > "${o}/a.txt"\nprintf '%s\\n' "$n" > "${o}/sub/b.txt"`,
  Int: (_, o) => `echo $((n % 997)) > "${o}"`,
  Float: (_, o) => `echo "$((n % 89)).$((n % 10))5" > "${o}"`,
  String: (_, o) => `echo "s-$h" > "${o}"`,
  Bool: (_, o) => `if ((n % 2)); then echo true; else echo false; fi > "${o}"`,
};

const OUT_WRITERS_PY: Record<OutType, (name: string, o: string) => string> = {
  File: (name, o) => `open(${o}, "w").write("${name} " + hx + "\\n")`,
  Dir: (_, o) => `os.makedirs(os.path.join(${o}, "sub"))\nopen(os.path.join(${o}, "a.txt"), "w").write(hx + "\\n")\nopen(os.path.join(${o}, "sub", "b.txt"), "w").write(str(n) + "\\n")`,
  Int: (_, o) => `open(${o}, "w").write(str(n % 997) + "\\n")`,
  Float: (_, o) => `open(${o}, "w").write(f"{n % 89}.{n % 10}5\\n")`,
  String: (_, o) => `open(${o}, "w").write("s-" + hx + "\\n")`,
  Bool: (_, o) => `open(${o}, "w").write(("true" if n % 2 else "false") + "\\n")`,
};

/**
 * The `uses` script of an action. It digests every argument after `--`: a file by its base name
 * and content, a directory by its entries' relative names and contents, anything else as the
 * word it is; so its outputs change exactly when what the command passes it changes. (Upstream
 * paths are in the store, so only their base names, the output names, are digested.)
 */
export function script(a: ActionModel): string {
  if (a.lang === "bash") {
    const writes = a.outputs.map((o, i) => OUT_WRITERS_BASH[o.type](`${a.name}.${o.name}`, `\${outs[${i}]}`)).join("\n");
    return `#!/usr/bin/env bash
# scripts/${a.name}.sh: the ${a.name} step of a generated project.
set -euo pipefail
SALT='${a.salt}'
outs=()
while [ "$1" != "--" ]; do outs+=("$1"); shift; done
shift
digest() {
  printf '%s\\n' "$SALT"
  for a in "$@"; do
    if [ -f "$a" ]; then printf 'f %s\\n' "\${a##*/}"; cat "$a"
    elif [ -d "$a" ]; then printf 'd %s\\n' "\${a##*/}"; (cd "$a" && find . -type f | LC_ALL=C sort | while IFS= read -r f; do printf '%s\\n' "$f"; cat "$f"; done)
    else printf 'v %s\\n' "$a"; fi
  done
}
h=$(digest "$@" | sha256sum | cut -c1-12)
n=$((16#\${h:0:6}))
${writes}
`;
  }
  const writes = a.outputs.map((o, i) => OUT_WRITERS_PY[o.type](`${a.name}.${o.name}`, `outs[${i}]`)).join("\n");
  return `# scripts/${a.name}.py: the ${a.name} step of a generated project.
import hashlib, os, sys
SALT = "${a.salt}"
argv = sys.argv[1:]
cut = argv.index("--")
outs, args = argv[:cut], argv[cut + 1:]
h = hashlib.sha256(SALT.encode() + b"\\n")
for a in args:
    if os.path.isfile(a):
        h.update(b"f " + os.path.basename(a).encode() + b"\\n" + open(a, "rb").read())
    elif os.path.isdir(a):
        h.update(b"d " + os.path.basename(a.rstrip("/")).encode() + b"\\n")
        for root, dirs, files in os.walk(a):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(root, f)
                h.update(os.path.relpath(p, a).encode() + b"\\n" + open(p, "rb").read())
    else:
        h.update(b"v " + a.encode() + b"\\n")
hx = h.hexdigest()[:12]
n = int(hx[:6], 16)
${writes}
`;
}

function scriptPath(a: ActionModel): string {
  return `scripts/${a.name}.${a.lang === "bash" ? "sh" : "py"}`;
}

function command(a: ActionModel): string {
  const runner = a.lang === "bash" ? "bash" : "python3";
  return `${runner} ${scriptPath(a)} ${a.outputs.map((o) => `~{out.${o.name}}`).join(" ")} -- ${a.token} ${a.params.map((p) => `~{${p.name}}`).join(" ")}`;
}

/** The program text. `layout` moves comments, blank lines, indentation and quoting only. */
export function program(m: Model): string {
  const L = m.layout;
  const c = (text: string) => (L === 1 ? `# ${text}\n` : "");
  const blank = L === 1 ? "\n\n" : "\n";
  const ind = L === 2 ? "    " : "  ";
  const action = (a: ActionModel) => {
    const params = a.params.map((p) => `${p.name}: ${p.type}${p.default ? ` = ${p.default}` : ""}`);
    const outs = a.outputs.map((o) => `${o.name}: ${o.type}`).join(", ");
    const sig = L === 1 ? `(\n${params.map((p) => `${ind}${p},`).join("\n")}\n)` : `(${params.join(", ")})`;
    const body = L === 2 ? `${ind}shell """\n${ind}${ind}${command(a)}\n${ind}"""` : `${ind}shell "${command(a)}"${L === 1 ? "   # the script digests its arguments" : ""}`;
    return `${c(`the ${a.name} step`)}action ${a.name}${sig} -> (${outs}) {\n${ind}uses "${scriptPath(a)}"\n${body}\n}\n`;
  };
  const call = (name: string, args: [string, string][]) => (L === 1 ? `${name}(\n${args.map(([k, v]) => `${ind}${ind}${k} = ${v},`).join("\n")}\n${ind})` : `${name}(${args.map(([k, v]) => `${k} = ${v}`).join(", ")})`);
  const list = (xs: string[]) => (L === 2 ? `[ ${xs.join(" , ")} ]` : `[${xs.join(", ")}]`);
  const parts: string[] = [];
  parts.push(`${c("a generated project")}action pick(scores: List[Float], tag: String) -> (index: Int, label: String) = ts "./actions/pick.ts#pick"\n`);
  for (const a of Object.values(m.actions)) parts.push(action(a));
  if (m.features.nested) {
    parts.push(`${c("nested: seed comes from main's with")}pipeline sub(f: File, m: Int) -> (v: Int, d: Dir) {\n${ind}let step = ${call("step", [["f", "f"], ["m", "m"]])}\n${ind}let again = ${call("prep", [["src", "f"], ["raw", `"${m.raw.path}"`], ["n", "m"]])}\n${ind}return (v = step.v, d = again.d)\n}\n`);
  }
  const lets: string[] = [];
  lets.push(`with { seed = ${m.seed} }`);
  lets.push(`let prep = ${call("prep", [["src", "src"], ["raw", `"${m.raw.path}"`], ["n", "n"]])}`);
  lets.push(`let runs = for lr in lrs, k in ${list(m.ks.map(String))} {${L === 1 ? "  # the grid" : ""}\n${ind}${ind}${call("train", [["data", "prep.data"], ["d", "prep.d"], ["lr", "lr"], ["k", "k"]])}\n${ind}}`);
  if (m.features.ev) lets.push(`let ev = for m in runs.model { ${call("ev", [["m", "m"]])} }`);
  if (m.features.zip) lets.push(`let pairs = for (x, y) in zip(${list(m.zipX.map(String))}, ${list(m.zipY.map((y) => `"${y}"`))}) { ${call("zipper", [["x", "x"], ["y", "y"], ["tag", "tag"]])} }`);
  if (m.features.nested) lets.push(`let inner = ${call("sub", [["f", "prep.data"], ["m", "n"]])}`);
  const fanArgs: [string, string][] = [["scores", "runs.score"], ["models", "runs.model"], ["oks", "runs.ok"]];
  if (m.features.zip) fanArgs.push(["ss", "pairs.s"]);
  if (m.features.ev) fanArgs.push(["lines", "ev.line"]);
  if (m.features.nested) fanArgs.push(["v", "inner.v"], ["d", "inner.d"]);
  lets.push(`let fan = ${call("fan", fanArgs)}`);
  lets.push(`let best = ${call("pick", [["scores", "runs.score"], ["tag", "tag"]])}`);
  const params = [`src: File = "${m.src.path}"`, `n: Int = ${m.n}`, `tag: String = "${m.tag}"`, `lrs: List[Float] = ${list(m.lrs.map(floatText))}`];
  const head = L === 1 ? `pipeline main(\n${params.map((p) => `${ind}${p},`).join("\n")}\n)` : `pipeline main(${params.join(", ")})`;
  parts.push(`${c("the entry point")}${head} -> (summary: File, best: Int, label: String) {\n${lets.map((l) => `${ind}${l}\n`).join(L === 1 ? "\n" : "")}${ind}return (summary = fan.summary, best = best.index, label = best.label)\n}\n`);
  return parts.join(blank);
}

/** Every file of the project, by project-relative path. */
export function render(m: Model): Record<string, string> {
  const files: Record<string, string> = {
    "main.pipe": program(m),
    [m.src.path]: m.src.content,
    "actions/pick.ts": pickSource(m.ts.c),
    "actions/weights.ts": `// The weights of the pick action.\nexport const K = ${m.ts.k};\nexport function weight(i: number): number {\n  return 1 + K * i;\n}\n`,
  };
  for (const [name, text] of Object.entries(m.raw.files)) files[`${m.raw.path}/${name}`] = text;
  for (const a of Object.values(m.actions)) files[scriptPath(a)] = script(a);
  return files;
}

function pickSource(c: number): string {
  return `// The pick action: the index of the best weighted score.
import { K, weight } from "./weights.js";

const C = ${c};

export function pick({ scores, tag }: { scores: number[]; tag: string }): { index: number; label: string } {
  let best = 0;
  scores.forEach((s, i) => {
    if (s * weight(i) > scores[best]! * weight(best)) best = i;
  });
  return { index: best + C, label: \`\${tag}-\${C}-\${K}\` };
}
`;
}

// ---------------------------------------------------------------------------------------------
// The oracle

export interface ExpectedTask {
  readonly id: string;
  /** Everything the task can see, hashed: equal signatures, equal cache entries. */
  readonly signature: string;
}

const hash = (v: unknown) => crypto.createHash("sha256").update(JSON.stringify(v)).digest("hex");

/**
 * The tasks of the program with what each can see, following the documented key rule
 * (README "Plans, keys and the store", LANGUAGE.md "Tasks, ids and cache keys"): the action's
 * definition (parameters, outputs, command; not comments or layout), the canonical argument
 * values, an external File/Dir by its content *and* the project-relative path the command
 * receives, the content of the `uses` files, the TypeScript module and the project modules it
 * imports, and an upstream output by its task's key and output name. Keys are over upstream
 * keys, not values: a downstream task reruns whenever its upstream's key changed, even when
 * the upstream's rerun produced the same result. So here an upstream is its signature.
 */
export function expectedTasks(m: Model): ExpectedTask[] {
  const tasks: ExpectedTask[] = [];
  const sigOf = new Map<string, string>();
  const def = (a: ActionModel) => ({ lang: a.lang, token: a.token, params: a.params, outputs: a.outputs, script: script(a) });
  const add = (id: string, action: string, args: Record<string, unknown>) => {
    const signature = hash({ action, def: action === "pick" ? { ts: [pickSource(m.ts.c), m.ts.k] } : def(m.actions[action]!), args });
    sigOf.set(id, signature);
    tasks.push({ id, signature });
    return id;
  };
  const ref = (id: string, output: string) => ({ upstream: sigOf.get(id)!, output });
  const { n, tag, lrs } = effective(m);
  const src = { file: m.src.path, content: m.src.content };
  const raw = { dir: m.raw.path, files: Object.entries(m.raw.files).sort() };
  add("main/prep", "prep", { src, raw, n });
  const runs: string[] = [];
  const labels: string[] = [];
  for (const lr of lrs) {
    for (const k of m.ks) {
      labels.push(`[lr=${floatText(lr)},k=${k}]`);
      runs.push(add(`main/runs${labels.at(-1)}`, "train", { data: ref("main/prep", "data"), d: ref("main/prep", "d"), lr, k, seed: m.seed }));
    }
  }
  // A loop over the sweep's projection takes the sweep's labels.
  const ev = m.features.ev ? runs.map((r, i) => add(`main/ev${labels[i]}`, "ev", { m: ref(r, "model"), deep: true })) : [];
  const pairs = m.features.zip ? m.zipX.map((x, i) => add(`main/pairs[x=${x},y=${m.zipY[i]}]`, "zipper", { x, y: m.zipY[i], tag })) : [];
  if (m.features.nested) {
    add("main/inner/step", "step", { f: ref("main/prep", "data"), m: n, seed: m.seed });
    add("main/inner/again", "prep", { src: ref("main/prep", "data"), raw, n });
  }
  const fan: Record<string, unknown> = { scores: runs.map((r) => ref(r, "score")), models: runs.map((r) => ref(r, "model")), oks: runs.map((r) => ref(r, "ok")) };
  if (m.features.zip) fan["ss"] = pairs.map((p) => ref(p, "s"));
  if (m.features.ev) fan["lines"] = ev.map((e) => ref(e, "line"));
  if (m.features.nested) Object.assign(fan, { v: ref("main/inner/step", "v"), d: ref("main/inner/again", "d") });
  add("main/fan", "fan", fan);
  add("main/best", "pick", { scores: runs.map((r) => ref(r, "score")), tag });
  return tasks;
}

/** A short account of the model for failure messages. */
export function describeModel(m: Model): string {
  const a = Object.values(m.actions).map((x) => `${x.name}:${x.lang}[${x.outputs.map((o) => o.type).join(",")}]`);
  return `features ${JSON.stringify(m.features)}; actions ${a.join(" ")}; lrs ${JSON.stringify(effective(m).lrs)} ks ${JSON.stringify(m.ks)}`;
}
