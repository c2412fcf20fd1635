// The index of the lowest score (the best run), as a TypeScript action.
export function bestIndex({ scores }: { scores: number[] }): { index: number } {
  let best = 0;
  scores.forEach((s, i) => {
    if (s < scores[best]!) best = i;
  });
  return { index: best };
}
