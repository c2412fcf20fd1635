// Resource values: which names exist, what they accept, and the parsing of memory sizes
// and durations (`4G`, `30m`, `1d12h`, `HH:MM:SS`) shared by the planner and the backends.

export const resourceNames = ["cpus", "gpus", "mem", "time", "partition", "account", "qos", "extra"] as const;
export type ResourceName = (typeof resourceNames)[number];

/** Memory in mebibytes: `512M`, `4G`, `4GB`, `1.5T`, or a bare number of mebibytes. */
export function parseMem(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(text);
  if (!m) return undefined;
  const factor = { "": 1, K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.ceil(Number(m[1]) * factor);
}

/** Duration in seconds: `90s`, `30m`, `24h`, `1d12h`, `2d`, `HH:MM:SS`, `MM:SS`, `D-HH:MM:SS`. */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  const clock = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(t);
  if (clock) {
    const [, d, h, m, s] = clock;
    if (Number(s) >= 60 || (h !== undefined && Number(m) >= 60)) return undefined;
    return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s);
  }
  if (!/^(\d+(\.\d+)?[dhms])+$/i.test(t)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)([dhms])/gi)) {
    seconds += Number(n) * { d: 86400, h: 3600, m: 60, s: 1 }[unit!.toLowerCase() as "d" | "h" | "m" | "s"];
  }
  return Math.ceil(seconds);
}

/** `D-HH:MM:SS` as Slurm's `--time` wants it. */
export function slurmTime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const hms = [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d}-${hms}` : hms;
}
