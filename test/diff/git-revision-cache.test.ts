// A side of `pipe diff` checked out from git starts its stat cache from the working tree's
// (diff/git-revision.ts): an untracked input, linked into the checkout, is known there by its
// stat and not read again; a tracked file, written anew by the checkout, is not trusted.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkoutRevision } from "../../src/diff/git-revision.js";
import { ContentHasher } from "../../src/plan/content-hash.js";
import { hashCacheFile } from "../../src/store/layout.js";

const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pipe-diff-cache-")));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdio: "pipe" });

describe("the checkout's stat cache", () => {
  it("knows the working tree's untracked inputs, by their new paths, and not the tracked files", async () => {
    const top = path.join(work, "repo");
    const proj = path.join(top, "proj");
    fs.mkdirSync(path.join(proj, "data"), { recursive: true });
    fs.writeFileSync(path.join(proj, "main.pipe"), "pipeline main() -> () {\n}\n");
    fs.writeFileSync(path.join(proj, "data", "big.bin"), "untracked\n");
    git(top, "init", "-q");
    git(top, "add", "proj/main.pipe");
    git(top, "commit", "-qm", "first");
    // Settled, so that the stat cache keeps them.
    const then = new Date(Date.now() - 3600_000);
    for (const f of ["main.pipe", "data/big.bin"]) fs.utimesSync(path.join(proj, f), then, then);
    const hasher = new ContentHasher(hashCacheFile(proj));
    const untracked = await hasher.hash(path.join(proj, "data", "big.bin"));
    await hasher.hash(path.join(proj, "main.pipe"));
    hasher.save();

    const checkout = await checkoutRevision(top, { rev: "HEAD", path: "proj/main.pipe" });
    try {
      const there = path.dirname(checkout.file);
      expect(there).not.toBe(proj);
      const seeded = new ContentHasher(hashCacheFile(there));
      expect(seeded.knownFileHash(path.join(there, "data", "big.bin"))).toBe(untracked);
      expect(seeded.knownFileHash(path.join(there, "main.pipe"))).toBeUndefined();
      expect(await seeded.hash(path.join(there, "data", "big.bin"))).toBe(untracked);
      expect(seeded.bytesRead).toBe(0);
    } finally {
      await checkout.remove();
    }
  });
});
