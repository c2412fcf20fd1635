// The project config: `pipe.config.json` found upward from the entry file, a user file laid
// over it, and invalid configs reported as P4004 diagnostics pointing into the JSON file.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { findConfig, loadConfig } from "../../src/config/index.js";
import { LineMap } from "../../src/diagnostics/diagnostic.js";
import { nodeFileHost } from "../../src/host.js";
import { recordingIo } from "../helpers.js";
import { cleanProjects, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const HELLO = `action hello() -> (g: File) { shell "echo hi > ~{out.g}" }\npipeline main() { let h = hello() }\n`;

describe("finding and merging", () => {
  it("is found upward from the .pipe file; a relative store is relative to the config file", () => {
    const dir = project({ "pipe.config.json": JSON.stringify({ store: "shared/store", slurm: { partition: "gpu" } }), "work/deep/main.pipe": HELLO });
    const projectDir = path.join(dir, "work", "deep");
    expect(findConfig(projectDir, nodeFileHost)).toBe(path.join(dir, "pipe.config.json"));
    const { config, diagnostics } = loadConfig(projectDir, undefined, nodeFileHost);
    expect(diagnostics).toEqual([]);
    expect(config!.storeDir).toBe(path.join(dir, "shared", "store"));
    expect(config!.slurm.partition).toBe("gpu");
    expect(config!.slurm.maxArraySize).toBe(1001);
    expect(config!.files).toEqual([path.join(dir, "pipe.config.json")]);
  });

  it("the nearest config wins; without one, the defaults hold", () => {
    const dir = project({ "pipe.config.json": JSON.stringify({ store: "outer" }), "p/pipe.config.json": JSON.stringify({ store: "inner" }), "p/main.pipe": HELLO, "q/main.pipe": HELLO });
    expect(loadConfig(path.join(dir, "p"), undefined, nodeFileHost).config!.storeDir).toBe(path.join(dir, "p", "inner"));
    const bare = project({ "main.pipe": HELLO });
    const { config } = loadConfig(bare, undefined, nodeFileHost);
    // A temp dir has no config above it unless the machine put one at the root.
    if (config!.files.length === 0) expect(config!.storeDir).toBe(path.join(bare, ".pipe", "store"));
  });

  it("a user file is laid over the project's, key by key", () => {
    const dir = project({
      "pipe.config.json": JSON.stringify({ store: "s", slurm: { partition: "cpu", account: "lab", partitions: { gpu: { gpus: 1 } } } }),
      "main.pipe": HELLO,
      "home/me.json": JSON.stringify({ store: "mine", slurm: { account: "me", partitions: { gpu: { time: "1h" } } } }),
    });
    const { config, diagnostics } = loadConfig(dir, path.join(dir, "home", "me.json"), nodeFileHost);
    expect(diagnostics).toEqual([]);
    expect(config!.storeDir).toBe(path.join(dir, "home", "mine"));
    expect(config!.slurm).toMatchObject({ partition: "cpu", account: "me", partitions: { gpu: { gpus: 1, time: "1h" } } });
    expect(config!.files).toEqual([path.join(dir, "pipe.config.json"), path.join(dir, "home", "me.json")]);
  });

  it("`pipe plan` looks for cached results in the configured store", async () => {
    const dir = project({ "pipe.config.json": JSON.stringify({ store: "elsewhere" }), "main.pipe": HELLO });
    const io = recordingIo(dir);
    expect(await run(["plan", "main.pipe", "--json"], io)).toBe(0);
    const key = JSON.parse(io.stdout()).tasks[0].key as string;
    fs.mkdirSync(path.join(dir, "elsewhere", key), { recursive: true });
    fs.writeFileSync(path.join(dir, "elsewhere", key, "meta.json"), "{}");
    const again = recordingIo(dir);
    await run(["plan", "main.pipe"], again);
    expect(again.stdout()).toContain("0 to run, 1 cached");
  });
});

describe("invalid configs", () => {
  const spanText = (file: string, span: { start: number; end: number }) => fs.readFileSync(file, "utf8").slice(span.start, span.end);

  it("a NUL byte in a string the shell would read is a P4004 on that string", () => {
    const text = JSON.stringify({ slurm: { setup: ["module load x\u0000"], extraArgs: ["--exclusive"] } }, null, 1);
    const dir = project({ "pipe.config.json": text, "main.pipe": HELLO });
    const { config, diagnostics } = loadConfig(dir, undefined, nodeFileHost);
    expect(config).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["P4004", "invalid config: slurm.setup.0: a string without a NUL byte (a shell cannot read one)"]]);
    expect(spanText(path.join(dir, "pipe.config.json"), diagnostics[0]!.span!)).toBe('"setup"');
  });

  it("each mistake is a P4004 with a span on the offending key", () => {
    const text = `{
  "local": { "mem": "store" },
  "store": 3,
  "slurm": { "maxArraySize": 0, "partitions": { "gpu": { "gpus": -1 } } },
  "stroe": "x"
}
`;
    const dir = project({ "pipe.config.json": text, "main.pipe": HELLO });
    const file = path.join(dir, "pipe.config.json");
    const { config, diagnostics } = loadConfig(dir, undefined, nodeFileHost);
    expect(config).toBeUndefined();
    const lines = new LineMap(text);
    const got = [...diagnostics].sort((a, b) => a.span!.start - b.span!.start).map((d) => [d.code, d.message, spanText(d.span!.file, d.span!), lines.position(d.span!.start).line]);
    expect(got).toEqual([
      ["P4004", 'invalid config: local.mem: a size such as "512M" or "4G"', '"mem"', 2],
      ["P4004", "invalid config: store: Invalid input: expected string, received number", '"store"', 3],
      ["P4004", "invalid config: slurm.maxArraySize: Too small: expected number to be >0", '"maxArraySize"', 4],
      ["P4004", "invalid config: slurm.partitions.gpu.gpus: Too small: expected number to be >=0", '"gpus"', 4],
      ["P4004", 'invalid config: Unrecognized key: "stroe"', '"stroe"', 5],
    ]);
    expect(diagnostics.every((d) => d.span!.file === file)).toBe(true);
  });

  it("a JSON syntax error points where parsing stopped", () => {
    const dir = project({ "pipe.config.json": '{"store": "s",\n  "local": ', "main.pipe": HELLO });
    const { diagnostics } = loadConfig(dir, undefined, nodeFileHost);
    expect(diagnostics.map((d) => d.code)).toEqual(["P4004"]);
    expect(new LineMap('{"store": "s",\n  "local": ').position(diagnostics[0]!.span!.start).line).toBe(2);
  });

  it("`pipe plan` exits 2 and renders the config's line under the message", async () => {
    const dir = project({ "pipe.config.json": '{\n  "slurm": { "maxArraySize": "big" }\n}\n', "main.pipe": HELLO });
    const io = recordingIo(dir);
    expect(await run(["plan", "main.pipe"], io)).toBe(2);
    expect(io.stderr()).toContain("pipe.config.json:2:14: error P4004: invalid config: slurm.maxArraySize: Invalid input: expected number, received string");
    expect(io.stderr()).toContain('  "slurm": { "maxArraySize": "big" }');
    const user = recordingIo(dir);
    fs.writeFileSync(path.join(dir, "pipe.config.json"), "{}");
    fs.writeFileSync(path.join(dir, "mine.json"), '{"locl": {}}');
    expect(await run(["plan", "main.pipe", "--config", "mine.json"], user)).toBe(2);
    expect(user.stderr()).toContain('mine.json:1:2: error P4004: invalid config: Unrecognized key: "locl"');
  });
});
