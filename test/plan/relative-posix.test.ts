// relativePosix and resolvePosix (src/host.ts): their fast paths for a normal absolute path
// below a normal absolute directory give what path.relative and path.resolve give, for every
// shape of path.
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { relativePosix, resolvePosix } from "../../src/host.js";

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

describe("resolvePosix", () => {
  it("is path.resolve's answer for any directory and path", () => {
    fc.assert(
      fc.property(fc.boolean(), pathOf, fc.boolean(), pathOf, (absolute, dir, rooted, rest) => {
        const d = `${absolute ? "/" : ""}${dir}`;
        const p = `${rooted ? "/" : ""}${rest}`;
        expect(resolvePosix(d, p)).toBe(path.resolve(d, p));
      }),
      { numRuns: 20_000 },
    );
  });

  it("joins a plain relative path to a normal directory, and resolves anything else", () => {
    expect(resolvePosix("/p/q", "in/1.txt")).toBe("/p/q/in/1.txt");
    expect(resolvePosix("/", "x")).toBe("/x");
    expect(resolvePosix("/p/q", "../x")).toBe("/p/x");
    expect(resolvePosix("/p/q", "a/./b/")).toBe("/p/q/a/b");
    expect(resolvePosix("/p/q", "")).toBe("/p/q");
    expect(resolvePosix("/p/q/", "x")).toBe("/p/q/x");
  });
});
