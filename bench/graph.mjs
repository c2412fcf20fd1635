#!/usr/bin/env node
// What graphlib (@dagrejs/graphlib) would cost the plan's graph work, beside the arrays the
// code uses: for a plan DAG of N tasks (a sweep of N-1 tasks after one shared upstream task,
// and a fan-in over all of them, the shape of bench/compile.mjs), build the graph, put it
// in dependency order, and find every descendant of the first task (what a failure skips,
// what `pipe diff` marks "upstream"). Also a chain of N tasks, whose depth breaks recursive
// walks. Prints wall time, CPU time and heap growth of each, medians of paired rounds.
//
//   node bench/graph.mjs [--tasks 100000] [--repeat 5]

import { alg, Graph } from "@dagrejs/graphlib";
import { median, option } from "./common.mjs";

const N = option("--tasks", 100_000);
const REPEAT = option("--repeat", 5);

/** Task ids and dependencies as a plan lists them, in dependency order. */
function sweep(n) {
  const tasks = [{ id: "main/prep", deps: [] }];
  for (let i = 0; i < n - 2; i++) tasks.push({ id: `main/runs[i=${i}]`, deps: ["main/prep"] });
  tasks.push({ id: "main/pick", deps: tasks.slice(1).map((t) => t.id) });
  return tasks;
}

function chain(n) {
  return Array.from({ length: n }, (_, i) => ({ id: `main/c[i=${i}]`, deps: i ? [`main/c[i=${i - 1}]`] : [] }));
}

function withGraphlib(tasks) {
  const g = new Graph();
  for (const t of tasks) g.setNode(t.id);
  for (const t of tasks) for (const d of t.deps) g.setEdge(d, t.id);
  const order = alg.topsort(g);
  const below = alg.preorder(g, [tasks[0].id]).length - 1;
  return order.length + below;
}

function withArrays(tasks) {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const dependents = tasks.map(() => []);
  tasks.forEach((t, i) => t.deps.forEach((d) => dependents[index.get(d)].push(i)));
  // The plan is already in dependency order: checking it is one pass.
  let ordered = 0;
  tasks.forEach((t, i) => (ordered += t.deps.every((d) => index.get(d) < i) ? 1 : 0));
  const seen = new Uint8Array(tasks.length);
  const stack = [0];
  let below = -1;
  while (stack.length) {
    const i = stack.pop();
    if (seen[i]) continue;
    seen[i] = 1;
    below++;
    for (const j of dependents[i]) stack.push(j);
  }
  return ordered + below;
}

function measure(fn, tasks) {
  globalThis.gc?.();
  const heap = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let result;
  try {
    result = fn(tasks);
  } catch (error) {
    return { ms: NaN, cpuMs: NaN, mib: NaN, error: error.message };
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, mib: (process.memoryUsage().heapUsed - heap) / 2 ** 20, result };
}

for (const [shape, make] of [["sweep + fan-in", sweep], ["chain", chain]]) {
  const tasks = make(N);
  const rounds = { graphlib: [], arrays: [] };
  for (let r = 0; r < REPEAT; r++) {
    rounds.graphlib.push(measure(withGraphlib, tasks));
    rounds.arrays.push(measure(withArrays, tasks));
  }
  const row = (name) => {
    const rs = rounds[name];
    const failed = rs.find((r) => r.error);
    if (failed) return `${name.padEnd(9)} fails: ${failed.error}`;
    const f = (k) => median(rs.map((r) => r[k])).toFixed(0);
    return `${name.padEnd(9)} ${f("ms").padStart(6)} ms wall ${f("cpuMs").padStart(6)} ms CPU ${f("mib").padStart(5)} MiB heap`;
  };
  const ratio = median(rounds.graphlib.map((r) => r.ms)) / median(rounds.arrays.map((r) => r.ms));
  console.log(`${shape}, ${N} tasks, median of ${REPEAT}:`);
  console.log(`  ${row("graphlib")}`);
  console.log(`  ${row("arrays")}`);
  if (Number.isFinite(ratio)) console.log(`  graphlib / arrays: ${ratio.toFixed(1)}x`);
}
