// `pipe graph` as a picture: states (cached, to run, failed in the last run) as colours,
// sweeps as clusters, a 200-task sweep as one counted node, the per-action view, and every
// form rendered by Graphviz's `dot` to SVG.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli/index.js";
import { recordingIo } from "../helpers.js";

const exec = promisify(execFile);

const program = (n: number) => `action train(lr: Float) -> (score: Float) {
  shell "if [ -e fail-~{lr} ]; then exit 3; fi; echo ~{lr} > ~{out.score}"
}

action pick(scores: List[Float]) -> (best: Float) {
  shell "printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}"
}

pipeline main(n: Int = ${n}) -> (best: Float) {
  let runs = for lr in [${Array.from({ length: n }, (_, i) => i + 1.5).join(", ")}] { train(lr = lr) }
  let p = pick(scores = runs.score)
  return (best = p.best)
}
`;

let dir: string;
beforeEach(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-graph-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function pipe(...args: string[]) {
  const io = recordingIo(dir);
  const code = await run(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The SVG Graphviz draws, and its nodes' titles and fill colours. */
async function render(dot: string): Promise<{ svg: string; nodes: { title: string; fill: string }[] }> {
  const file = path.join(dir, "g.dot");
  fs.writeFileSync(file, dot);
  const { stdout: svg } = await exec("dot", ["-Tsvg", file], { maxBuffer: 64 << 20 });
  const nodes = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>[\s\S]*?<(?:path|polygon) fill="([^"]*)"/g)].map((m) => ({ title: m[1]!.replace(/&#45;/g, "-"), fill: m[2]! }));
  return { svg, nodes };
}

describe("pipe graph", () => {
  it("colours tasks by state: to run, cached, failed in the last run", async () => {
    fs.writeFileSync(path.join(dir, "main.pipe"), program(3));
    fs.writeFileSync(path.join(dir, "fail-2.5"), "");
    const first = await render((await pipe("graph", "main.pipe")).out);
    expect(new Set(first.nodes.filter((n) => !n.title.startsWith("legend")).map((n) => n.fill))).toEqual(new Set(["#fff1c1"]));
    expect((await pipe("run", "main.pipe", "--keep-going")).code).toBe(1);
    const after = await render((await pipe("graph", "main.pipe")).out);
    const fillOf = Object.fromEntries(after.nodes.map((n) => [n.title, n.fill]));
    expect(fillOf).toMatchObject({ "main/runs[lr=1.5]": "#d5ecd4", "main/runs[lr=3.5]": "#d5ecd4", "main/runs[lr=2.5]": "#f6c6c6", "main/p": "#fff1c1" });
    // The sweep is a cluster.
    expect(after.svg).toContain('<g id="clust1" class="cluster">');
    expect(after.svg).toContain("<title>cluster_0</title>");
    fs.rmSync(path.join(dir, "fail-2.5"));
    expect((await pipe("run", "main.pipe")).code).toBe(0);
    const done = await render((await pipe("graph", "main.pipe")).out);
    expect(done.nodes.filter((n) => !n.title.startsWith("legend")).every((n) => n.fill === "#d5ecd4")).toBe(true);
  });

  it("draws a 200-task sweep as one node counting its tasks, and every task with --expand", async () => {
    fs.writeFileSync(path.join(dir, "main.pipe"), program(200));
    const r = await pipe("graph", "main.pipe");
    const { nodes } = await render(r.out);
    expect(nodes.map((n) => n.title).filter((t) => !t.startsWith("legend"))).toEqual(["main/runs", "main/p"]);
    expect(r.out).toContain("main/runs ×200\\ntrain\\n200 to run");
    expect(r.out.match(/ -> /g)).toHaveLength(1);
    const expanded = await render((await pipe("graph", "main.pipe", "--expand")).out);
    expect(expanded.nodes.filter((n) => n.title.startsWith("main/runs["))).toHaveLength(200);
    const mermaid = (await pipe("graph", "main.pipe", "--format", "mermaid")).out;
    expect(mermaid.split("\n").filter((l) => l.includes("-->"))).toHaveLength(1);
  });

  it("--actions draws one node per action with its tasks counted", async () => {
    fs.writeFileSync(path.join(dir, "main.pipe"), program(4));
    const r = await pipe("graph", "main.pipe", "--actions");
    const { nodes } = await render(r.out);
    expect(nodes.filter((n) => !n.title.startsWith("legend"))).toHaveLength(2);
    expect(r.out).toContain("train\\n4 tasks: 4 to run");
    expect(r.out).toContain("pick\\n1 task: 1 to run");
    expect(r.out.match(/ -> /g)).toHaveLength(1);
  });
});
