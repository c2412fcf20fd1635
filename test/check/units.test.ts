// The units module (src/units): sizes read into mebibytes, and the typed tree carrying a
// resource's `mem` and `time` as numbers, read once by the checker, for every later phase.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeFileHost } from "../../src/host.js";
import { frontEnd } from "../../src/phases.js";
import { parseMem } from "../../src/units/memory.js";
import { cleanProjects, mustPlan, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

describe("parseMem", () => {
  it.each([
    ["512M", 512],
    ["4G", 4096],
    ["4GB", 4096],
    ["4GiB", 4096],
    ["1.5T", 1.5 * 1024 * 1024],
    ["100", 100],
    ["1536K", 2],
    [" 2g ", 2048],
  ])("%s is %d MiB", (text, mib) => {
    expect(parseMem(text)).toBe(mib);
  });

  it.each(["", "G", "4 X", "-1G", "4G4"])("refuses %j", (text) => {
    expect(parseMem(text)).toBeUndefined();
  });
});

const MAIN = `action a() -> (x: File) {
  resources { mem = "1.5G", time = "1d12h", cpus = 2 }
  shell "echo > ~{out.x}"
}
pipeline main() -> (x: File) {
  let p = a() resources { time = "90:30" }
  return (x = p.x)
}
`;

describe("resources in the typed tree", () => {
  it("holds mem in MiB and time in seconds, as the checker read them", () => {
    const dir = project({ "main.pipe": MAIN });
    const front = frontEnd(path.join(dir, "main.pipe"), nodeFileHost);
    expect(front.diagnostics).toEqual([]);
    const action = [...front.program!.actions.values()][0]!;
    // A single value has no values for later attempts (and so replaces a list it is laid over).
    expect(action.resources).toEqual({ mem: 1536, memRetries: [], time: 36 * 3600, timeRetries: [], cpus: 2 });
    const call = front.program!.pipelines.values().next().value!.lets[0]!.value;
    expect(call.kind === "Call" && call.resources).toEqual({ time: 90 * 60 + 30, timeRetries: [] });
  });

  it("reaches the plan as those numbers, the call's over the action's", async () => {
    const plan = await mustPlan(project({ "main.pipe": MAIN }));
    expect(plan.tasks[0]!.resources).toEqual({ cpus: 2, mem: 1536, time: 90 * 60 + 30 });
  });
});
