// Durations: a resource's or a config's `time` (`30m`, `2h`, `1d12h`, Slurm's `D-HH:MM`)
// read into seconds once, for the checker and the config, and written back in Slurm's form.
// Every phase that needs a time reads it here.

/**
 * Duration in seconds: `90s`, `30m`, `24h`, `1d12h`, `2d`, or one of Slurm's `--time`
 * forms read as Slurm reads them (see `readTime`); undefined when it is not a duration.
 */
export function parseTime(text: string): number | undefined {
  const read = readTime(text);
  return "seconds" in read ? read.seconds : undefined;
}

/** What a time is expected to look like, for messages. */
export const timeForms = 'a duration such as "30m", "2h", "1d12h", "HH:MM:SS" or "D-HH:MM"';

/**
 * A duration, or why it is not one. Slurm's forms (sbatch `--time`) are `MM`, `MM:SS`,
 * `HH:MM:SS`, `D-HH`, `D-HH:MM` and `D-HH:MM:SS`: a bare number is minutes and a day
 * turns the next field into hours. Slurm takes any number in any field; here only the
 * first field may exceed its unit (`90:00` is 90 minutes), because `25:99` is far more
 * likely a typo than 26 minutes 39 seconds. Zero is refused: Slurm reads a zero limit as
 * none at all, while the cost of a rerun would count it as nothing, and a task that wants
 * no limit of its own leaves `time` out.
 */
export function readTime(text: string): { readonly seconds: number } | { readonly problem: string } {
  const t = text.trim();
  const seconds = /^[\d.]+[dhms]/i.test(t) ? unitTime(t) : slurmClock(t);
  if (typeof seconds === "string") return { problem: seconds };
  if (seconds === 0) return { problem: "a time limit of zero means no limit to Slurm; leave `time` out for the partition's limit" };
  return { seconds };
}

/** `1d12h`, `30m`, `1.5h`: seconds, rounded up, or why not. */
function unitTime(t: string): number | string {
  if (!/^(\d+(\.\d+)?[dhms])+$/i.test(t)) return `\`${t}\` mixes units with other text; write a number before each of d, h, m and s`;
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)([dhms])/gi)) {
    seconds += Number(n) * { d: 86400, h: 3600, m: 60, s: 1 }[unit!.toLowerCase() as "d" | "h" | "m" | "s"];
  }
  return Math.ceil(seconds);
}

/** Slurm's `[D-]...` clock forms: seconds, or why not. */
function slurmClock(t: string): number | string {
  const m = /^(?:(\d+)-)?(\d+(?::\d+)*)$/.exec(t);
  if (!m) return `\`${t}\` is not a duration: Slurm's forms are MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM and D-HH:MM:SS`;
  const fields = m[2]!.split(":").map(Number);
  const days = m[1] === undefined ? undefined : Number(m[1]);
  if (fields.length > 3) return `\`${t}\` has ${fields.length} fields separated by \`:\`; Slurm reads at most three, as in [D-]HH:MM:SS`;
  // Without a day: MM, MM:SS, HH:MM:SS. With one: D-HH, D-HH:MM, D-HH:MM:SS.
  const units = days !== undefined ? ["hours", "minutes", "seconds"] : fields.length === 3 ? ["hours", "minutes", "seconds"] : ["minutes", "seconds"];
  const limits: Record<string, number> = { hours: 24, minutes: 60, seconds: 60 };
  const factor: Record<string, number> = { hours: 3600, minutes: 60, seconds: 1 };
  let seconds = (days ?? 0) * 86400;
  for (const [i, value] of fields.entries()) {
    const unit = units[i]!;
    const leading = i === 0 && days === undefined;
    if (!leading && value >= limits[unit]!) return `\`${t}\` has ${value} ${unit}, more than ${unit === "hours" ? "a day" : unit === "minutes" ? "an hour" : "a minute"} holds`;
    seconds += value * factor[unit]!;
  }
  return seconds;
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
