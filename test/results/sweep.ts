// The sweep the results tests run, locally (results.test.ts) and on Slurm
// (test/slurm/results.test.ts): an input, a 3 × 2 grid of trains with a File and a Float
// output each, a fan-in; its outputs are a scalar, a list of files and a file.
export const SWEEP = `
action prep(src: File) -> (data: File) {
  shell "sort ~{src} > ~{out.data}"
}
action train(data: File, lr: Float, seed: Int, opt: String = "adam") -> (model: File, score: Float) {
  shell """
    echo "model lr=~{lr} seed=~{seed} opt=~{opt}" > ~{out.model}
    echo ~{lr} > ~{out.score}
  """
}
action pick(scores: List[Float]) -> (best: Float) {
  shell "printf '%s\\n' ~{scores} | sort -g | tail -1 > ~{out.best}"
}
pipeline main(lrs: List[Float] = [1e-3, 0.01, 0.1], seeds: List[Int] = [1, 2]) -> (best: Float, models: List[File], data: File) {
  let d = prep(src = "raw.txt")
  let runs = for lr in lrs, seed in seeds { train(data = d.data, lr = lr, seed = seed) }
  let p = pick(scores = runs.score)
  return (best = p.best, models = runs.model, data = d.data)
}
`;
