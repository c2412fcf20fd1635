// Memory sizes: a resource's or a config's `mem` (`512M`, `4G`, `1.5T`) read into mebibytes
// once, for the checker and the config. Every phase that needs a size reads it here.

/** What a size is expected to look like, for messages. */
export const memForms = 'a size such as "512M" or "4G"';

/** Memory in mebibytes: `512M`, `4G`, `4GB`, `1.5T`, or a bare number of mebibytes. */
export function parseMem(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(text);
  if (!m) return undefined;
  const factor = { "": 1, K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.ceil(Number(m[1]) * factor);
}
