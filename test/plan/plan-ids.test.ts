// Ids follow the sweep: a loop over a projection of a sweep (or a zip of such projections)
// takes the sweep's labels, crossing adds the other loop's label, a pipeline called in a
// sweep puts its tasks under the sweep's id; so ids survive a value added at the front of a
// list, and keys never depend on ids.
import { afterAll, describe, expect, it } from "vitest";
import { cleanProjects, keysOf, mustPlan, project } from "../fixtures/plan/harness.js";

afterAll(cleanProjects);

const idsOf = async (main: string, pairs: string[] = []) => (await mustPlan(project({ "main.pipe": main }), { pairs })).tasks.map((t) => t.id);

const ACTIONS = `
action train(lr: Float, epochs: Int = 1) -> (model: File, score: Float) {
  shell "echo ~{lr} ~{epochs} > ~{out.model}; echo ~{lr} > ~{out.score}"
}
action score(model: File) -> (s: Float) {
  shell "cat ~{model} > ~{out.s}"
}
action evaluate(model: File, score: Float = 0, fold: Int = 0) -> (s: Float) {
  shell "cat ~{model} > /dev/null; echo ~{score} ~{fold} > ~{out.s}"
}
action count(models: List[File]) -> (n: Int) {
  shell "echo ~{models} | wc -w > ~{out.n}"
}
`;

describe("ids of loops over projections of a sweep", () => {
  it("normative example 7: the evaluations are main/scores[lr=0.1] and main/scores[lr=0.2]", async () => {
    const ids = await idsOf(`
action train(lr: Float) -> (model: File) {
  shell "echo ~{lr} > ~{out.model}"
}
action score(model: File) -> (s: Float) {
  shell "cat ~{model} > ~{out.s}"
}
pipeline main() -> (all: List[Float]) {
  let runs = for lr in [0.1, 0.2] { train(lr = lr) }
  let scores = for m in runs.model { score(model = m) }
  return (all = scores.s)
}
`);
    expect(ids).toEqual(["main/runs[lr=0.1]", "main/runs[lr=0.2]", "main/scores[lr=0.1]", "main/scores[lr=0.2]"]);
  });

  it("a zip of projections of one sweep takes its labels once", async () => {
    const ids = await idsOf(`${ACTIONS}
pipeline main() -> (all: List[Float]) {
  let runs = for lr in [0.1, 0.2], epochs in [10, 20] { train(lr = lr, epochs = epochs) }
  let z = for (m, s) in zip(runs.model, runs.score) { evaluate(model = m, score = s) }
  return (all = z.s)
}
`);
    expect(ids.filter((id) => id.startsWith("main/z"))).toEqual([
      "main/z[lr=0.1,epochs=10]",
      "main/z[lr=0.1,epochs=20]",
      "main/z[lr=0.2,epochs=10]",
      "main/z[lr=0.2,epochs=20]",
    ]);
  });

  it("a zip of a projection with a plain list adds that list's label", async () => {
    const ids = await idsOf(`${ACTIONS}
pipeline main() -> (all: List[Float]) {
  let runs = for lr in [0.1, 0.2] { train(lr = lr) }
  let z = for (m, f) in zip(runs.model, [3, 4]) { evaluate(model = m, fold = f) }
  return (all = z.s)
}
`);
    expect(ids.filter((id) => id.startsWith("main/z"))).toEqual(["main/z[lr=0.1,f=3]", "main/z[lr=0.2,f=4]"]);
  });

  it("crossing a projection with another list adds that loop's label", async () => {
    const ids = await idsOf(`${ACTIONS}
pipeline main() -> (all: List[Float]) {
  let runs = for lr in [0.1, 0.2], epochs in [10] { train(lr = lr, epochs = epochs) }
  let e = for m in runs.model, fold in [1, 2] { evaluate(model = m, fold = fold) }
  return (all = e.s)
}
`);
    expect(ids.filter((id) => id.startsWith("main/e"))).toEqual([
      "main/e[lr=0.1,epochs=10,fold=1]",
      "main/e[lr=0.1,epochs=10,fold=2]",
      "main/e[lr=0.2,epochs=10,fold=1]",
      "main/e[lr=0.2,epochs=10,fold=2]",
    ]);
  });

  it("a loop over a loop's results keeps the first sweep's labels (two levels)", async () => {
    const ids = await idsOf(`${ACTIONS}
action again(s: Float) -> (t: Float) {
  shell "echo ~{s} > ~{out.t}"
}
pipeline main() -> (all: List[Float], whole: List[Float]) {
  let runs = for lr in [0.1, 0.2] { train(lr = lr) }
  let scores = for m in runs.model { score(model = m) }
  let twice = for s in scores.s { again(s = s) }
  let whole = for r in runs { evaluate(model = r.model, score = r.score) }
  return (all = twice.t, whole = whole.s)
}
`);
    expect(ids.filter((id) => /^main\/(twice|whole)/.test(id))).toEqual(["main/twice[lr=0.1]", "main/twice[lr=0.2]", "main/whole[lr=0.1]", "main/whole[lr=0.2]"]);
  });

  it("a nested pipeline called in a sweep puts its tasks under the sweep's id, and its outputs keep the labels", async () => {
    const ids = await idsOf(`${ACTIONS}
pipeline inner(lr: Float) -> (s: Float, models: List[File]) {
  let train = train(lr = lr)
  let per = for epochs in [1, 2] { train(lr = lr, epochs = epochs) }
  return (s = train.score, models = per.model)
}
pipeline main() -> (all: List[Int], each: List[Float]) {
  let runs = for lr in [0.1, 0.2] { inner(lr = lr) }
  let counts = for ms in runs.models { count(models = ms) }
  let each = for ms in runs.models { inner2(models = ms) }
  return (all = counts.n, each = runs.s)
}
pipeline inner2(models: List[File]) -> (s: List[Float]) {
  let e = for m in models { evaluate(model = m) }
  return (s = e.s)
}
`);
    expect(ids).toEqual([
      "main/runs[lr=0.1]/train",
      "main/runs[lr=0.1]/per[epochs=1]",
      "main/runs[lr=0.1]/per[epochs=2]",
      "main/runs[lr=0.2]/train",
      "main/runs[lr=0.2]/per[epochs=1]",
      "main/runs[lr=0.2]/per[epochs=2]",
      "main/counts[lr=0.1]",
      "main/counts[lr=0.2]",
      // The inner sweep's labels reach the loop in the pipeline its list is passed to.
      "main/each[lr=0.1]/e[epochs=1]",
      "main/each[lr=0.1]/e[epochs=2]",
      "main/each[lr=0.2]/e[epochs=1]",
      "main/each[lr=0.2]/e[epochs=2]",
    ]);
  });

  it("flatten of a two-level sweep joins the labels; + keeps each side's", async () => {
    const ids = await idsOf(`${ACTIONS}
pipeline inner(lr: Float) -> (models: List[File]) {
  let per = for epochs in [1, 2] { train(lr = lr, epochs = epochs) }
  return (models = per.model)
}
pipeline main() -> (all: List[Float], both: List[Float]) {
  let runs = for lr in [0.1, 0.2] { inner(lr = lr) }
  let each = for m in flatten(runs.models) { score(model = m) }
  let more = for lr in [0.3] { train(lr = lr) }
  let both = for m in more.model + flatten(runs.models) { score(model = m) }
  return (all = each.s, both = both.s)
}
`);
    expect(ids.filter((id) => /^main\/(each|both)/.test(id))).toEqual([
      "main/each[lr=0.1,epochs=1]",
      "main/each[lr=0.1,epochs=2]",
      "main/each[lr=0.2,epochs=1]",
      "main/each[lr=0.2,epochs=2]",
      "main/both[lr=0.3]",
      "main/both[lr=0.1,epochs=1]",
      "main/both[lr=0.1,epochs=2]",
      "main/both[lr=0.2,epochs=1]",
      "main/both[lr=0.2,epochs=2]",
    ]);
  });

  it("a list of upstream outputs written out is still labelled by position; equal labels are told apart", async () => {
    const ids = await idsOf(`${ACTIONS}
pipeline main() -> (all: List[Float], again: List[Float]) {
  let a = train(lr = 0.1)
  let b = train(lr = 0.2)
  let listed = for m in [a.model, b.model] { score(model = m) }
  let same = for lr in [0.3, 0.3] { train(lr = lr) }
  let again = for m in same.model { score(model = m) }
  return (all = listed.s, again = again.s)
}
`);
    expect(ids.filter((id) => /^main\/(listed|same|again)/.test(id))).toEqual([
      "main/listed[m=#0]",
      "main/listed[m=#1]",
      "main/same[lr=0.3]",
      "main/same[lr=0.3]#2",
      "main/again[lr=0.3]",
      "main/again[lr=0.3]#2",
    ]);
  });
});

describe("ids survive a value added at the front of a list", () => {
  const MAIN = `${ACTIONS}
pipeline main(lrs: List[Float] = [0.1, 0.2]) -> (all: List[Float], n: Int) {
  let runs = for lr in lrs, epochs in [10, 20] { train(lr = lr, epochs = epochs) }
  let scores = for m in runs.model { score(model = m) }
  let e = for m in runs.model, fold in [1, 2] { evaluate(model = m, fold = fold) }
  let c = count(models = runs.model)
  return (all = scores.s, n = c.n)
}
`;

  it("every task of the shorter sweep keeps its id and its key; only the new value's tasks and the fan-in are new", async () => {
    const dir = project({ "main.pipe": MAIN });
    const before = keysOf(await mustPlan(dir, { pairs: ["lrs=[0.1,0.2]"] }));
    const after = keysOf(await mustPlan(dir, { pairs: ["lrs=[0.05,0.1,0.2]"] }));
    for (const [id, key] of Object.entries(before)) if (id !== "main/c") expect(after[id], id).toBe(key);
    const fresh = Object.keys(after).filter((id) => before[id] === undefined);
    expect(fresh.sort()).toEqual(
      [
        "main/runs[lr=0.05,epochs=10]",
        "main/runs[lr=0.05,epochs=20]",
        "main/scores[lr=0.05,epochs=10]",
        "main/scores[lr=0.05,epochs=20]",
        "main/e[lr=0.05,epochs=10,fold=1]",
        "main/e[lr=0.05,epochs=10,fold=2]",
        "main/e[lr=0.05,epochs=20,fold=1]",
        "main/e[lr=0.05,epochs=20,fold=2]",
      ].sort(),
    );
    expect(after["main/c"]).not.toBe(before["main/c"]);
  });
});
