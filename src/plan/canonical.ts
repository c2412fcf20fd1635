// Canonical hashing, in one module: canonical JSON (sorted keys, no whitespace) hashed with
// SHA-256 under a key-format version. Any change to what goes into a key must bump
// KEY_VERSION; golden tests pin the keys of the examples so an accidental change fails.

import { createHash } from "node:crypto";

export const KEY_VERSION = 1;

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as { readonly [key: string]: Json };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k]!)}`).join(",")}}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A cache key: the versioned hash of everything that determines a task's result. */
export function cacheKey(inputs: Json): string {
  return sha256(canonicalJson({ keyVersion: KEY_VERSION, inputs })).slice(0, 32);
}
