// A short unified diff of two small texts (normalized action definitions), line by line.
// Hand-rolled rather than a dependency: definitions are a few lines, so a longest-common-
// subsequence table after trimming the common prefix and suffix is enough, and the output
// format (hunks with one line of context, no file headers) is specific to `pipe diff`.

const CONTEXT = 1;
/** Beyond this many table cells the changed middle is shown as removed then added. */
const MAX_CELLS = 4_000_000;

type Op = { readonly op: " " | "-" | "+"; readonly line: string; readonly a: number; readonly b: number };

export function unifiedDiff(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const ops = lineOps(a, b);
  const out: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.op === " ") {
      i++;
      continue;
    }
    // A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
    // that is no more than 2 * CONTEXT unchanged lines away.
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.op !== " ") end = j;
      else if (j - end > 2 * CONTEXT) break;
    }
    const start = Math.max(0, i - CONTEXT);
    const stop = Math.min(ops.length, end + CONTEXT + 1);
    const hunk = ops.slice(start, stop);
    const aLines = hunk.filter((o) => o.op !== "+");
    const bLines = hunk.filter((o) => o.op !== "-");
    out.push(`@@ -${range(hunk[0]!.a, aLines.length)} +${range(hunk[0]!.b, bLines.length)} @@`);
    for (const o of hunk) out.push(o.op + o.line);
    i = stop;
  }
  return out;
}

function range(start: number, count: number): string {
  // Unified diff numbers lines from 1; an empty range names the line before it.
  const first = count === 0 ? start : start + 1;
  return count === 1 ? String(first) : `${first},${count}`;
}

function lineOps(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ op: " ", line: a[k]!, a: k, b: k });
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  if (am.length * bm.length > MAX_CELLS) {
    am.forEach((line, k) => ops.push({ op: "-", line, a: pre + k, b: pre }));
    bm.forEach((line, k) => ops.push({ op: "+", line, a: pre + am.length, b: pre + k }));
  } else {
    // lcs[i][j]: length of the longest common subsequence of am[i..] and bm[j..].
    const w = bm.length + 1;
    const lcs = new Uint32Array((am.length + 1) * w);
    for (let i = am.length - 1; i >= 0; i--) {
      for (let j = bm.length - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
      if (i < am.length && j < bm.length && am[i] === bm[j]) {
        ops.push({ op: " ", line: am[i]!, a: pre + i, b: pre + j });
        i++;
        j++;
      } else if (i < am.length && (j === bm.length || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        // Removals before additions, as diff(1) prints them.
        ops.push({ op: "-", line: am[i]!, a: pre + i, b: pre + j });
        i++;
      } else {
        ops.push({ op: "+", line: bm[j]!, a: pre + i, b: pre + j });
        j++;
      }
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ op: " ", line: a[a.length - suf + k]!, a: a.length - suf + k, b: b.length - suf + k });
  return ops;
}
