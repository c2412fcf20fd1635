#!/usr/bin/env node
// Benchmark of content hashing: a 1 GiB input file hashed by the compiler's ContentHasher
// (streamed SHA-256) beside `sha256sum`, both from the page cache; then what a re-plan costs
// when nothing changed (the persistent stat cache: no byte re-read), after a `touch` (read
// again, same key), and `pipe plan` end to end in both cases. Uses dist/: run
// `npm run build` first.
//
//   node bench/hash.mjs [--mib 1024] [--keep]

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { args, option, pipeBin, requireBuild, root } from "./common.mjs";

const MIB = option("--mib", 1024);

requireBuild();
const { ContentHasher } = await import(path.join(root, "dist", "plan", "content-hash.js"));
const { frontEnd } = await import(path.join(root, "dist", "phases.js"));
const { nodeFileHost } = await import(path.join(root, "dist", "host.js"));
const { compile } = await import(path.join(root, "dist", "plan", "index.js"));

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-bench-hash-"));
const dataFile = path.join(work, "data", "big.bin");
fs.mkdirSync(path.dirname(dataFile), { recursive: true });

// 1 MiB of pseudo-random bytes, varied per MiB so that no two blocks are alike.
const block = Buffer.alloc(1 << 20);
let x = 0x9e3779b9;
for (let i = 0; i < block.length; i += 4) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  block.writeUInt32LE(x >>> 0, i);
}
const fd = fs.openSync(dataFile, "w");
for (let i = 0; i < MIB; i++) {
  block.writeUInt32LE(i, 0);
  fs.writeSync(fd, block);
}
fs.closeSync(fd);
// An existing data set, not one being written: its mtime is well in the past.
const past = new Date(Date.now() - 3600_000);
fs.utimesSync(dataFile, past, past);

fs.writeFileSync(
  path.join(work, "main.pipe"),
  'action count(src: File) -> (n: Int) { shell "wc -c < ~{src} > ~{out.n}" }\npipeline main() { let c = count(src = "data/big.bin") }\n',
);

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const rate = (s) => `${(MIB / s).toFixed(0)} MiB/s`;
const fmt = (s) => `${s.toFixed(s < 1 ? 3 : 2)} s`;

function timed(file, argv, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const s = seconds(t0);
  if (r.status !== 0 && r.status !== 3) throw new Error(`${file} ${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { s, stdout: r.stdout };
}

console.log(`content hashing benchmark — ${MIB} MiB file, node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);

// Warm the page cache so that both sides read from memory.
spawnSync("cat", [dataFile], { stdio: ["ignore", "ignore", "inherit"] });

const hasSha256sum = spawnSync("sha256sum", ["--version"], { stdio: "ignore" }).status === 0;
let reference;
if (hasSha256sum) {
  const best = [0, 1, 2].map(() => timed("sha256sum", [dataFile], work)).sort((a, b) => a.s - b.s)[0];
  reference = best.stdout.split(" ")[0];
  console.log(`  sha256sum                         ${fmt(best.s)}  ${rate(best.s)}`);
}

let ours;
let bestOurs = Infinity;
for (let i = 0; i < 3; i++) {
  const hasher = new ContentHasher();
  const t0 = process.hrtime.bigint();
  ours = await hasher.hash(dataFile);
  bestOurs = Math.min(bestOurs, seconds(t0));
  if (hasher.bytesRead !== MIB * 2 ** 20) throw new Error(`read ${hasher.bytesRead} bytes`);
}
console.log(`  ContentHasher (streamed SHA-256)  ${fmt(bestOurs)}  ${rate(bestOurs)}`);
if (reference && reference !== ours) throw new Error(`hash mismatch: sha256sum ${reference}, ContentHasher ${ours}`);
if (!reference) {
  const check = createHash("sha256").update(fs.readFileSync(dataFile)).digest("hex");
  if (check !== ours) throw new Error("hash mismatch");
}

// Compiles as `pipe plan` does, with the persistent stat cache; reports bytes read and time.
async function plan() {
  const hasher = new ContentHasher(path.join(work, ".pipe", "hash-cache.json"));
  const t0 = process.hrtime.bigint();
  const front = frontEnd(path.join(work, "main.pipe"), nodeFileHost);
  const result = await compile(front.program, { entry: "main", params: new Map(), hasher });
  return { s: seconds(t0), bytes: hasher.bytesRead, key: result.plan.tasks[0].key };
}

console.log("\nre-planning (in process: front end + compile, with the stat cache):");
const first = await plan();
console.log(`  first plan (no stat cache)        ${fmt(first.s)}  ${first.bytes.toLocaleString("en")} bytes read`);
const again = await plan();
console.log(`  re-plan, nothing changed          ${fmt(again.s)}  ${again.bytes.toLocaleString("en")} bytes read${again.key === first.key ? "" : "  KEY CHANGED"}`);
const later = new Date(Date.now() - 60_000);
fs.utimesSync(dataFile, later, later);
const touched = await plan();
console.log(`  re-plan after a touch             ${fmt(touched.s)}  ${touched.bytes.toLocaleString("en")} bytes read, key ${touched.key === first.key ? "unchanged" : "CHANGED"}`);
const settled = await plan();
console.log(`  re-plan after that                ${fmt(settled.s)}  ${settled.bytes.toLocaleString("en")} bytes read`);

const cli = timed("node", [pipeBin, "plan", "main.pipe"], work);
console.log(`\n  pipe plan (CLI), nothing changed  ${fmt(cli.s)}  (process start included)`);
if (again.bytes !== 0 || settled.bytes !== 0) {
  console.log("target (no bytes re-read when nothing changed): MISSED");
  process.exitCode = 1;
} else console.log("target (no bytes re-read when nothing changed): met");

if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
