// `storeLookup`: many keys asked of a store at once give exactly `inStore`'s answers, whether
// the store's directory is listed (far fewer entries than keys) or each key stat'ed. And
// `allInStore`, which a run of a kept plan asks of all of its keys: `inStore` of every one.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { inStore, storeLookup } from "../../src/store/index.js";
import { allInStore } from "../../src/store/layout.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipe-store-lookup-"));
  made.push(dir);
  return dir;
}

const key = (i: number) => i.toString(16).padStart(32, "0");

/** An entry: its directory, with its meta.json when `committed`. */
function entry(store: string, k: string, committed = true): void {
  fs.mkdirSync(path.join(store, k), { recursive: true });
  if (committed) fs.writeFileSync(path.join(store, k, "meta.json"), "{}");
}

/** Whether this file system counts a directory's subdirectories in its link count (btrfs does not). */
function countsSubdirectories(): boolean {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, "a"));
  fs.mkdirSync(path.join(dir, "b"));
  return fs.statSync(dir).nlink === 4;
}

describe("storeLookup", () => {
  it("answers as inStore for every key: committed, uncommitted, a file in the way, missing", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("entry", "uncommitted", "file", "none"), { minLength: 0, maxLength: 300 }), fc.integer({ min: 0, max: 300 }), (kinds, extra) => {
        const store = tmp();
        kinds.forEach((kind, i) => {
          if (kind === "entry") entry(store, key(i));
          else if (kind === "uncommitted") entry(store, key(i), false);
          else if (kind === "file") fs.writeFileSync(path.join(store, key(i)), "");
        });
        const keys = Array.from({ length: kinds.length + extra }, (_, i) => key(i));
        const stored = storeLookup(store, keys.length);
        for (const k of keys) expect(stored(k)).toBe(inStore(store, k));
        fs.rmSync(store, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  });

  it("finds nothing in a store that does not exist, or that is a file", () => {
    const dir = tmp();
    expect(storeLookup(path.join(dir, "none"), 1000)(key(0))).toBe(false);
    fs.writeFileSync(path.join(dir, "file"), "");
    expect(storeLookup(path.join(dir, "file"), 1000)(key(0))).toBe(false);
  });

  it("follows a store that is a symlink", () => {
    const dir = tmp();
    entry(path.join(dir, "real"), key(1));
    fs.symlinkSync(path.join(dir, "real"), path.join(dir, "link"));
    const stored = storeLookup(path.join(dir, "link"), 1000);
    expect([stored(key(0)), stored(key(1))]).toEqual([false, true]);
  });

  it("lists a store of few entries once, and stats key by key in one of many", () => {
    if (!countsSubdirectories()) {
      // Without link counts every store is asked key by key: the answers above hold, no listing to see.
      expect(storeLookup(tmp(), 1000)(key(0))).toBe(false);
      return;
    }
    // Few entries for many keys: listed when the lookup is made, so an entry committed after is not seen.
    const few = tmp();
    entry(few, key(0));
    const listed = storeLookup(few, 1000);
    entry(few, key(1));
    expect([listed(key(0)), listed(key(1))]).toEqual([true, false]);
    // As many entries as keys: a stat per key, which sees it.
    const many = tmp();
    for (let i = 0; i < 10; i++) entry(many, key(i));
    const statted = storeLookup(many, 10);
    entry(many, key(10));
    expect(statted(key(10))).toBe(true);
  });
});

describe("allInStore", () => {
  it("is whether inStore holds of every key, committed, uncommitted, a file in the way or missing, in any order", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("entry", "uncommitted", "file", "none"), { minLength: 0, maxLength: 60 }), (kinds) => {
        const store = tmp();
        kinds.forEach((kind, i) => {
          if (kind === "entry") entry(store, key(i));
          else if (kind === "uncommitted") entry(store, key(i), false);
          else if (kind === "file") fs.writeFileSync(path.join(store, key(i)), "");
        });
        const keys = kinds.map((_, i) => key(i));
        const expected = keys.every((k) => inStore(store, k));
        const cwd = process.cwd();
        expect(allInStore(store, keys)).toBe(expected);
        // It asks from inside the store, and leaves the working directory as it was.
        expect(process.cwd()).toBe(cwd);
        // As a run asks it: from a generator, here backwards.
        const backwards = function* () {
          for (let i = keys.length - 1; i >= 0; i--) yield keys[i]!;
        };
        expect(allInStore(store, backwards())).toBe(expected);
        fs.rmSync(store, { recursive: true, force: true });
      }),
      { numRuns: 60 },
    );
  });

  it("holds of no keys, and of none in a store that does not exist", () => {
    const dir = tmp();
    expect(allInStore(path.join(dir, "none"), [])).toBe(true);
    expect(allInStore(path.join(dir, "none"), [key(0)])).toBe(false);
  });

  it("leaves the working directory as it was when the keys fail midway, and finds a store named relative to it", () => {
    const store = tmp();
    entry(store, key(0));
    const cwd = process.cwd();
    const failing = function* () {
      yield key(0);
      throw new Error("no more keys");
    };
    expect(allInStore(store, failing())).toBe(false);
    expect(process.cwd()).toBe(cwd);
    expect(allInStore(path.relative(cwd, store), [key(0)])).toBe(true);
    expect(allInStore(path.relative(cwd, store), [key(0), key(1)])).toBe(false);
    expect(process.cwd()).toBe(cwd);
  });
});
