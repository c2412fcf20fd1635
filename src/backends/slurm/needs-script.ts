// The lines of submit.sh that keep `pipe gc` from deleting what the bundle's jobs need
// (store/needs.ts, in bash): before it reads the store, submit.sh writes a needs file
// with every key of the bundle, owned by its own pid, and waits while a live collection marks
// the store; when it ends, the file's owner becomes the Slurm jobs of this submission, which
// `pipe gc` asks squeue about (the file is dropped when none was submitted).

import { inBash } from "../../store/index.js";

const LOCKS = `${inBash.entry(".locks")}`;

export function needsLines(): string[] {
  return [
    "# Keys this submission's jobs need from the store, for `pipe gc`; said before the store is read.",
    `mkdir -p "${LOCKS}"`,
    `needs="${LOCKS}/needs.$HOSTNAME.$$.slurm"`,
    "{ printf '{\"host\":\"%s\",\"pid\":%s}\\n' \"$HOSTNAME\" \"$$\"; cut -f2 jobs/*.tasks; } > \"$needs.tmp\"",
    'mv "$needs.tmp" "$needs"',
    "finish_needs() {",
    '  local ids=""',
    "  ids=$(IFS=,; echo \"${jobid[*]:-}\")",
    '  if [ -z "$ids" ]; then rm -f "$needs"; return; fi',
    "  { printf '{\"slurm\":\"%s\"}\\n' \"$ids\"; tail -n +2 \"$needs\"; } > \"$needs.tmp\" && mv \"$needs.tmp\" \"$needs\"",
    "}",
    "trap finish_needs EXIT",
    "# A collection under way (its mark names a live pid, or another host): wait for its end.",
    `while [ -f "${LOCKS}/gc" ]; do`,
    `  gc_owner=$(cat "${LOCKS}/gc" 2>/dev/null || true)`,
    '  gc_host=$(printf \'%s\' "$gc_owner" | sed -n \'s/.*"host":"\\([^"]*\\)".*/\\1/p\')',
    '  gc_pid=$(printf \'%s\' "$gc_owner" | sed -n \'s/.*"pid":\\([0-9]*\\).*/\\1/p\')',
    '  if [ "$gc_host" = "$HOSTNAME" ] && [ -n "$gc_pid" ] && ! kill -0 "$gc_pid" 2>/dev/null; then break; fi',
    "  sleep 1",
    "done",
    "",
  ];
}
