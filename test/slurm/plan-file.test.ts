// The large files of a bundle written as bytes (backends/slurm/bytes.ts): `plan.json.gz`, a
// gzip member per MiB of the plan's JSON, and a fan-in's list of inputs. Whatever the pieces
// and wherever a buffer ends (inside a character of several bytes, before a task longer than
// a buffer), the bytes are the text's UTF-8 exactly, and the plan reads back as it was.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { PLAN_FILE, planFile, readBundlePlan } from "../../src/backends/slurm/bundle.js";
import { ByteWriter } from "../../src/backends/slurm/bytes.js";
import { PLAN_FORMAT, type Plan, type Task } from "../../src/plan/plan.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-plan-file-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PIECES = ["a", "日本", "🙂", "é", "\t", "", "x".repeat(15), "🙂".repeat(9), "\u2028", "plain text", "\\", '"'];

describe("ByteWriter", () => {
  it("gives the UTF-8 of everything written, pieces crossing every buffer boundary", () => {
    for (const size of [4, 5, 7, 16, 64]) {
      const sealed: number[] = [];
      const out = new ByteWriter(size, (bytes) => {
        sealed.push(bytes.length);
        return Buffer.from(bytes);
      });
      let text = "";
      for (let i = 0; i < 200; i++) {
        const piece = PIECES[(i * 7) % PIECES.length]!;
        out.write(piece);
        text += piece;
      }
      expect(out.bytes().equals(Buffer.from(text, "utf8"))).toBe(true);
      // A piece too long for a buffer is a sealed piece of its own; no other is over the size.
      expect(sealed.filter((n) => n > size).length).toBeLessThan(sealed.length);
      expect(sealed.length).toBeGreaterThan(1);
    }
  });

  it("seals every buffer full to its last byte, however the text came: many pieces, long ones, bytes between", () => {
    for (const size of [7, 1000, 1 << 16]) {
      const sealed: number[] = [];
      const out = new ByteWriter(size, (bytes) => {
        sealed.push(bytes.length);
        return Buffer.from(bytes);
      });
      const expected: Buffer[] = [];
      for (let i = 0; i < 30_000; i++) {
        const piece = i % 997 === 0 ? "🙂日本".repeat(3000 + i) : PIECES[(i * 7) % PIECES.length]!;
        if (i % 5003 === 0) {
          const bytes = Buffer.from(`${piece}|${i}`, "utf8");
          out.writeBytes(bytes);
          expected.push(Buffer.from(bytes));
        } else {
          out.write(piece);
          expected.push(Buffer.from(piece, "utf8"));
        }
      }
      expect(out.bytes().equals(Buffer.concat(expected))).toBe(true);
      expect(sealed.slice(0, -1).every((n) => n === size)).toBe(true);
      expect(sealed.at(-1)).toBeLessThanOrEqual(size);
    }
  });

  it("gives no bytes when nothing is written", () => {
    expect(new ByteWriter().bytes().length).toBe(0);
  });
});

function task(id: string, command: string, deps: string[] = []): Task {
  return { id, key: "0".repeat(32), action: "main.pipe#t", group: id.replace(/\[.*$/, ""), deps, args: { s: id }, command, files: [], resources: {}, retries: 0, cache: true };
}

function plan(tasks: Task[]): Plan {
  const action = { name: "t", kind: "shell" as const, definition: "d", definitionHash: "h", outputs: [{ name: "o", type: "String" }], env: {} };
  return { format: PLAN_FORMAT, entry: "main", file: "main.pipe", params: { p: "日本" }, actions: { "main.pipe#t": action }, tasks, outputs: [{ name: "o", type: "String", value: null }] };
}

describe("plan.json.gz", () => {
  it("is the plan's JSON in gzip members of at most a MiB, each readable by gunzip, and reads back", () => {
    const tasks = Array.from({ length: 6000 }, (_, i) => task(`main/t[s=${i} 日本 🙂]`, `echo ${"é".repeat(i % 300)} > "$out/o"`));
    // A task whose JSON is longer than a member, and tasks around it.
    tasks.splice(3000, 0, task("main/long", `echo ${"🙂x".repeat(700_000)}`, ["main/t[s=0 日本 🙂]"]));
    const p = plan(tasks);
    const bytes = planFile(p);
    expect(zlib.gunzipSync(bytes).toString("utf8")).toBe(JSON.stringify(p));
    expect(planFile(structuredClone(p)).equals(bytes)).toBe(true);
    // Several members (the second gzip header's magic bytes are inside the file).
    expect(bytes.indexOf(Buffer.from([0x1f, 0x8b, 8]), 1)).toBeGreaterThan(0);
    const dir = path.join(tmp, "bundle");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, PLAN_FILE), bytes);
    const read = readBundlePlan(dir);
    expect(read.ok && read.value).toEqual(p);
  });

  it("of a plan without tasks is its JSON", () => {
    const p = plan([]);
    expect(zlib.gunzipSync(planFile(p)).toString("utf8")).toBe(JSON.stringify(p));
  });
});
