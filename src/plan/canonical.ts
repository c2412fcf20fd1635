// Canonical hashing, in one module: canonical JSON (sorted keys, no whitespace) hashed with
// SHA-256 under a key-format version. Any change to what goes into a key must bump
// KEY_VERSION; golden tests pin the keys of the examples so an accidental change fails.

import crypto from "node:crypto";

// 2: an external input is keyed by its project-relative path as well as its content.
export const KEY_VERSION = 2;

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) text += (i ? "," : "") + canonicalJson(value[i] as Json);
    return text + "]";
  }
  const obj = value as { readonly [key: string]: Json };
  const keys = Object.keys(obj);
  // An object of scalars whose keys are already in order is its own canonical form, and the
  // native JSON.stringify is many times faster (a fan-in's key covers 100,000 upstream keys).
  let flat = true;
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const v = obj[keys[i]!];
    if (v !== null && typeof v === "object") flat = false;
    if (i > 0 && keys[i - 1]! > keys[i]!) sorted = false;
  }
  if (flat && sorted) return JSON.stringify(obj);
  if (!sorted) keys.sort();
  let text = "{";
  for (let i = 0; i < keys.length; i++) text += `${i ? "," : ""}${JSON.stringify(keys[i])}:${canonicalJson(obj[keys[i]!]!)}`;
  return text + "}";
}

/**
 * `crypto.hash` (Node 20.12+) skips the Hash object: a third of the cost for short texts.
 * Looked up at the first hash rather than at load: the bundled command line loads node's
 * crypto only when something is hashed (bin/bundle-cli.mjs), which a run of a kept plan never does.
 */
let hashHex: ((text: string) => string) | undefined;

export function sha256(text: string): string {
  if (!hashHex) {
    const oneShot: typeof crypto.hash | undefined = crypto.hash;
    hashHex = oneShot ? (t) => oneShot("sha256", t, "hex") : (t) => crypto.createHash("sha256").update(t).digest("hex");
  }
  return hashHex(text);
}
