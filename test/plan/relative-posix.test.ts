// relativePosix (src/host.ts): its fast path for a normal absolute path below a normal
// absolute directory gives what path.relative gives, for every shape of path.
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { relativePosix } from "../../src/host.js";

const reference = (dir: string, file: string) => path.relative(dir, file).split(path.sep).join("/") || ".";
const segment = fc.constantFrom("", ".", "..", "a", "b", "a.", ".a", "..a", "a b");
const pathOf = fc.array(segment, { maxLength: 5 }).map((s) => s.join("/"));

describe("relativePosix", () => {
  it("is path.relative's answer, in POSIX form, for any directory and path", () => {
    fc.assert(
      fc.property(fc.boolean(), pathOf, fc.boolean(), pathOf, fc.boolean(), (absolute, dir, below, rest, alone) => {
        const d = `${absolute ? "/" : ""}${dir}`;
        const f = below ? `${d}/${rest}` : alone ? `/${rest}` : rest;
        expect(relativePosix(d, f)).toBe(reference(d, f));
      }),
      { numRuns: 20_000 },
    );
  });

  it("gives the path below the directory, and `.` for the directory itself", () => {
    expect(relativePosix("/p/q", "/p/q/in/1.txt")).toBe("in/1.txt");
    expect(relativePosix("/p/q", "/p/q")).toBe(".");
    expect(relativePosix("/p/q", "/p/q/./in/../x")).toBe("x");
    expect(relativePosix("/p/q", "/p/qr/x")).toBe("../qr/x");
    expect(relativePosix("/", "/x")).toBe("x");
  });
});
