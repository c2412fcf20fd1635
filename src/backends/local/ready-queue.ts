// The tasks ready to start, served in plan order: a binary heap on the plan index. A sweep
// makes thousands of tasks ready at once (when their shared upstream finishes), so a sorted
// array with an insertion search and removals from its front would cost quadratic time.
// (Thirty lines; no dependency is worth adding for them.)

export class ReadyQueue<T> {
  private readonly heap: T[] = [];

  constructor(private readonly rank: (item: T) => number) {}

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    const heap = this.heap;
    let i = heap.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.rank(heap[parent]!) <= this.rank(item)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** The item of lowest rank, removed; undefined when empty. */
  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && this.rank(heap[right]!) < this.rank(heap[left]!) ? right : left;
      if (this.rank(heap[child]!) >= this.rank(last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
