// The local backend's ready queue serves tasks in plan order, whatever order they arrive in.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReadyQueue } from "../../src/backends/local/ready-queue.js";

describe("ReadyQueue", () => {
  it("pops items by rank, interleaved with pushes", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(-1)), { maxLength: 300 }), (ops) => {
        const queue = new ReadyQueue<number>((n) => n);
        const model: number[] = [];
        for (const op of ops) {
          if (op >= 0) {
            queue.push(op);
            model.push(op);
            model.sort((a, b) => a - b);
          } else expect(queue.pop()).toBe(model.shift());
          expect(queue.size).toBe(model.length);
        }
      }),
    );
  });
});
