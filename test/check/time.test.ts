// Durations read as Slurm reads its `--time` (src/units/time.ts): every form, in an
// action's resources, at a call site and in pipe.config.json defaults, through to the
// `#SBATCH --time=` of the job script and the cost `pipe plan` reports.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTime, slurmTime } from "../../src/units/time.js";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-time-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** [written, seconds, as emitted to sbatch] */
const accepted: [string, number, string][] = [
  ["90", 90 * 60, "01:30:00"], // MM
  ["5", 5 * 60, "00:05:00"],
  ["90:30", 90 * 60 + 30, "01:30:30"], // MM:SS
  ["00:45", 45, "00:00:45"],
  ["01:30:00", 5400, "01:30:00"], // HH:MM:SS
  ["36:00:00", 36 * 3600, "1-12:00:00"],
  ["1-12", 36 * 3600, "1-12:00:00"], // D-HH
  ["1-12:30", 36.5 * 3600, "1-12:30:00"], // D-HH:MM
  ["1-12:30:15", 36.5 * 3600 + 15, "1-12:30:15"], // D-HH:MM:SS
  ["2-0", 2 * 86400, "2-00:00:00"],
  ["0-00:01", 60, "00:01:00"],
  ["30m", 1800, "00:30:00"],
  ["2h", 7200, "02:00:00"],
  ["1d12h", 36 * 3600, "1-12:00:00"],
  ["1.5h", 5400, "01:30:00"],
  ["90s", 90, "00:01:30"],
  [" 1-12:30 ", 36.5 * 3600, "1-12:30:00"],
];

/** [written, words the reason must contain] */
const rejected: [string, string][] = [
  ["1-12:30:00:00", "4 fields"],
  ["1:2:3:4", "4 fields"],
  ["25:99", "99 seconds"],
  ["1:60:00", "60 minutes"],
  ["1-24", "24 hours"],
  ["1-12:60", "60 minutes"],
  ["1-12:30:60", "60 seconds"],
  ["0", "zero"],
  ["00:00:00", "zero"],
  ["0-0", "zero"],
  ["0m", "zero"],
  ["1-", "not a duration"],
  ["-1", "not a duration"],
  ["12:", "not a duration"],
  ["1--2", "not a duration"],
  ["UNLIMITED", "not a duration"],
  ["soon", "not a duration"],
  ["2h30", "units"],
  ["", "not a duration"],
];

describe("readTime", () => {
  it.each(accepted)("reads %j as %d seconds, emitted as %s", (text, seconds, emitted) => {
    expect(readTime(text)).toEqual({ seconds });
    expect(slurmTime(seconds)).toBe(emitted);
  });

  it.each(rejected)("refuses %j (%s)", (text, reason) => {
    const read = readTime(text);
    expect("problem" in read && read.problem).toContain(reason);
  });
});

function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

/** A program whose action declares `own`, whose call sets `call`, under config defaults `config`. */
function program(own?: string, call?: string, config?: string): Record<string, string> {
  const files: Record<string, string> = {
    "main.pipe": [
      `action t(x: Int) -> (y: Int) {`,
      `  resources { cpus = 2${own === undefined ? "" : `, time = "${own}"`} }`,
      `  shell "echo ~{x} > ~{out.y}"`,
      `}`,
      `pipeline main() -> (y: Int) {`,
      `  let a = t(x = 1)${call === undefined ? "" : ` resources { time = "${call}" }`}`,
      `  return (y = a.y)`,
      `}`,
      ``,
    ].join("\n"),
  };
  if (config !== undefined) files["pipe.config.json"] = JSON.stringify({ slurm: { defaults: { time: config } } });
  return files;
}

async function emitted(dir: string): Promise<string> {
  const io = recordingIo(dir);
  const out = path.join(dir, "bundle");
  expect(await run(["emit", "slurm", path.join(dir, "main.pipe"), "-o", out], io), io.stderr()).toBe(0);
  const jobs = fs.readdirSync(path.join(out, "jobs")).filter((f) => f.endsWith(".sh"));
  const lines = jobs.flatMap((j) => fs.readFileSync(path.join(out, "jobs", j), "utf8").split("\n")).filter((l) => l.startsWith("#SBATCH --time="));
  expect(lines.length).toBe(1);
  return lines[0]!.slice("#SBATCH --time=".length);
}

async function cpuHours(dir: string): Promise<number> {
  const io = recordingIo(dir);
  await run(["plan", path.join(dir, "main.pipe"), "--json"], io);
  return (JSON.parse(io.stdout()) as { summary: { cost: { cpuHours: number } } }).summary.cost.cpuHours;
}

describe("a time in the program or the config reaches the job script as written", () => {
  const where = [
    { name: "action", files: (t: string) => program(t) },
    { name: "call site", files: (t: string) => program("1h", t) },
    { name: "config defaults", files: (t: string) => program(undefined, undefined, t) },
  ];
  // One of each form per place: every form goes through the same path once it is read.
  const forms = accepted.filter(([t]) => ["90", "90:30", "01:30:00", "1-12", "1-12:30", "1-12:30:15", "1d12h"].includes(t));
  for (const { name, files } of where) {
    it.each(forms)(`in the ${name}: %j → --time=%s`, async (text, seconds, sbatch) => {
      const dir = project(`${name.replace(" ", "-")}-${text.replace(/:/g, "_")}`, files(text));
      expect(await emitted(dir)).toBe(sbatch);
      // The cost counts the task's own time (2 CPUs); config defaults are the cluster's.
      if (name !== "config defaults") expect(await cpuHours(dir)).toBeCloseTo((2 * seconds) / 3600, 3);
    });
  }

  it("reports a time Slurm would not read at the resource, with the reason", async () => {
    const dir = project("bad-program", program("1-12:30:00:00", "25:99"));
    const io = recordingIo(dir);
    expect(await run(["check", path.join(dir, "main.pipe")], io)).toBe(2);
    const err = io.stderr();
    expect(err).toMatch(/main\.pipe:2:\d+: error P3024: `time` must be a duration/);
    expect(err).toMatch(/main\.pipe:6:\d+: error P3024: `time` must be a duration/);
    expect(err).toContain("4 fields");
    expect(err).toContain("99 seconds");
  });

  it("reports a zero or malformed time in pipe.config.json", async () => {
    for (const bad of ["0", "1-12:30:00:00"]) {
      const dir = project(`bad-config-${bad.replace(/:/g, "_")}`, program(undefined, undefined, bad));
      const io = recordingIo(dir);
      expect(await run(["plan", path.join(dir, "main.pipe")], io)).toBe(2);
      expect(io.stderr()).toContain("pipe.config.json");
      expect(io.stderr()).toContain(bad === "0" ? "zero" : "4 fields");
    }
  });
});
