// The sweep shapes the compile benchmark measures, written once for both sides: the `.pipe`
// program pipe plans, and what the hand-written floor (compile-floor.mjs) must produce for
// it. A shape is a grid of `train` tasks over `dims` (one swept parameter per entry: a, b,
// c, ...), one `pick` over all their outputs, optionally the sweep inside a nested pipeline
// (`nest`: called as `main/s`), and optionally a chain of `chain` steps after the pick.
//
//   --dims 100,1000   --nest   --chain 3

/** The shape given on the command line (`args`), or the default 100 × 1000 grid. */
export function shapeOf(args) {
  const at = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const dims = (at("--dims") ?? "100,1000").split(",").map(Number);
  if (!dims.length || dims.length > 26 || dims.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("bench: --dims is a list of positive sizes, at most 26");
  return { dims, nest: args.includes("--nest"), chain: Number(at("--chain") ?? 0) };
}

/** The shape's size, and its flags as a command line (to hand to compile-floor.mjs). */
export const shapeTasks = (shape) => shape.dims.reduce((a, b) => a * b, 1) + 1 + shape.chain;
export const shapeArgs = (shape) => ["--dims", shape.dims.join(","), ...(shape.nest ? ["--nest"] : []), ...(shape.chain ? ["--chain", String(shape.chain)] : [])];
export const shapeName = (shape) => `${shape.dims.join("×")}${shape.nest ? ", nested" : ""}${shape.chain ? `, chain of ${shape.chain}` : ""}`;

/** The swept parameters' names: a, b, c, ... */
export const paramNames = (shape) => shape.dims.map((_, k) => String.fromCharCode(97 + k));

export function shapeProgram(shape) {
  const names = paramNames(shape);
  const list = (k) => `[${Array.from({ length: k }, (_, i) => i).join(", ")}]`;
  const sweep = [
    `  let runs = for ${names.map((n, k) => `${n} in ${list(shape.dims[k])}`).join(", ")} { train(${names.map((n) => `${n} = ${n}`).join(", ")}) }`,
    "  let p = pick(scores = runs.score)",
  ];
  const lines = [
    `action train(${names.map((n) => `${n}: Int`).join(", ")}) -> (score: Float) {`,
    `  shell "echo ${names.map((n) => `~{${n}}`).join(".")} > ~{out.score}"`,
    "}",
    "action pick(scores: List[Float]) -> (best: Float) {",
    "  shell \"printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}\"",
    "}",
    "action step(x: Float) -> (y: Float) {",
    '  shell "echo ~{x} > ~{out.y}"',
    "}",
  ];
  if (shape.nest) lines.push("pipeline sweep() -> (best: Float) {", ...sweep, "  return (best = p.best)", "}");
  lines.push("pipeline main() -> (best: Float) {");
  let last = "p.best";
  if (shape.nest) {
    lines.push("  let s = sweep()");
    last = "s.best";
  } else lines.push(...sweep);
  for (let i = 1; i <= shape.chain; i++) {
    lines.push(`  let c${i} = step(x = ${last})`);
    last = `c${i}.y`;
  }
  lines.push(`  return (best = ${last})`, "}", "");
  return lines.join("\n");
}
