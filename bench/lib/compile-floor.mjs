#!/usr/bin/env node
// The floor of `pipe plan` for a shape of compile-shape.mjs: a hand-written script that
// makes the same tasks (ids, groups, arguments, commands, dependencies, cache keys) as
// pipe's compiler, in memory as the plan holds them, and prints what `pipe plan` prints
// for a project never run. No parsing, no checking, no generality: what is left is the
// work no compiler of this plan can skip (the strings, the hashing, the output).
// compile.mjs checks its tasks against pipe's on a small grid of each shape measured.
//
//   node bench/lib/compile-floor.mjs --dims 100,1000 [--nest] [--chain 3] [--json]
//
// With --json, prints the tasks as JSON instead (for that check).

import crypto from "node:crypto";
import fs from "node:fs";
import { paramNames, shapeOf } from "./compile-shape.mjs";

const args = process.argv.slice(2);
const shape = shapeOf(args);
const names = paramNames(shape);
const sha = crypto.hash ? (t) => crypto.hash("sha256", t, "hex") : (t) => crypto.createHash("sha256").update(t).digest("hex");
const KEY_VERSION = 2;
const keyOf = (argsText, definitionHash) => sha(`{"inputs":{"args":${argsText},"cache":true,"definition":"${definitionHash}","ts":[],"uses":[]},"keyVersion":${KEY_VERSION}}`).slice(0, 32);

const trainDef = `action train(${names.map((n) => `${n}: Int`).join(", ")}) -> (score: Float)\necho ${names.map((n) => `~{${n}}`).join(".")} > ~{out.score}`;
const pickDef = "action pick(scores: List[Float]) -> (best: Float)\nprintf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}";
const stepDef = "action step(x: Float) -> (y: Float)\necho ~{x} > ~{out.y}";
const trainHash = sha(trainDef);
const pickHash = sha(pickDef);
const stepHash = sha(stepDef);

const prefix = shape.nest ? "main/s" : "main";
const group = `${prefix}/runs`;
const tasks = [];
const empty = [];
const none = {};
const d = shape.dims.length;
const at = new Array(d).fill(0);
const total = shape.dims.reduce((a, b) => a * b, 1);
for (let n = 0; n < total; n++) {
  let label = "";
  let argsText = "{";
  let echo = "";
  const taskArgs = {};
  for (let k = 0; k < d; k++) {
    const v = at[k];
    label += `${k ? "," : ""}${names[k]}=${v}`;
    argsText += `${k ? "," : ""}"${names[k]}":${v}`;
    echo += `${k ? "." : ""}${v}`;
    taskArgs[names[k]] = v;
  }
  const id = `${group}[${label}]`;
  tasks.push({ id, key: keyOf(argsText + "}", trainHash), action: "main.pipe#train", group, deps: empty, args: taskArgs, command: `echo ${echo} > "$out/score"`, files: empty, resources: none, retries: 0, cache: true });
  for (let k = d - 1; k >= 0 && ++at[k] === shape.dims[k]; k--) at[k] = 0;
}

// The fan-in: every upstream key once in its key text, every upstream output once in its command.
const ids = new Array(total);
let scores = "";
let words = "";
const refs = new Array(total);
for (let i = 0; i < total; i++) {
  ids[i] = tasks[i].id;
  scores += `${i ? "," : ""}{"output":"score","upstream":"${tasks[i].key}"}`;
  words += ` "$in_${i}"`;
  refs[i] = { $ref: tasks[i].id, output: "score" };
}
// Plan order sorts dependencies by id; the grid's ids are in that order only when every size is below 10.
ids.sort();
const pickId = `${prefix}/p`;
tasks.push({ id: pickId, key: keyOf(`{"scores":[${scores}]}`, pickHash), action: "main.pipe#pick", group: pickId, deps: ids, args: { scores: refs }, command: `printf '%s\\n'${words} | sort -g | tail -1 > "$out/best"`, files: empty, resources: none, retries: 0, cache: true });
let previous = tasks[tasks.length - 1];
let output = "best";
for (let i = 1; i <= shape.chain; i++) {
  const id = `main/c${i}`;
  const key = keyOf(`{"x":{"output":"${output}","upstream":"${previous.key}"}}`, stepHash);
  previous = { id, key, action: "main.pipe#step", group: id, deps: [previous.id], args: { x: { $ref: previous.id, output } }, command: 'echo "$in_0" > "$out/y"', files: empty, resources: none, retries: 0, cache: true };
  tasks.push(previous);
  output = "y";
}

if (args.includes("--json")) {
  process.stdout.write(JSON.stringify(tasks.map((t) => ({ id: t.id, key: t.key, group: t.group, deps: t.deps, args: t.args, command: t.command }))) + "\n");
} else {
  // What `pipe plan` prints for a project whose store does not exist yet.
  const store = fs.existsSync(".pipe/store");
  let width = 4;
  for (const t of tasks) if (t.id.length > width) width = t.id.length;
  width = Math.min(60, width);
  const actionName = { "main.pipe#train": "train", "main.pipe#pick": "pick", "main.pipe#step": "step" };
  let text = "";
  for (const t of tasks) {
    text += `  run     ${t.id.padEnd(width)}  ${actionName[t.action].padEnd(12)} ${t.key.slice(0, 12)}  new key\n`;
    if (text.length > 1 << 20) {
      process.stdout.write(text);
      text = "";
    }
  }
  text += `${tasks.length} to run, 0 cached\nreruns: ${tasks.length} tasks (none declares a time)\n`;
  process.stdout.write(text);
  if (store) process.stderr.write("compile-floor: a store exists; the floor assumes a project never run\n");
}
