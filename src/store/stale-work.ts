// Work directories that a killed run left in `STORE/.tmp`, removed by the next run when their
// owner is provably dead. Each name says who made it (layout.ts, `workOwner`): `KEY.HOST.PID.N`
// and `scratch.HOST.PID.N` (pipe's, PID being pipe's), `KEY.HOST.BASHPID.RANDOM` (the
// self-contained task script) and `.probe.HOST.PID` (the store probe), with `.args.json`,
// `.old` and `.work` beside some. An entry is removed only when HOST is this host and PID is
// gone, and, for a pipe that was killed, none of its launchers lives (its owner file in
// `.locks/` names them): a task that outlived its pipe may still be writing there.

import fs from "node:fs";
import path from "node:path";
import { thisHost, tmpDir, workOwner } from "./layout.js";
import { alive, runOwners } from "./locks.js";

/** Removes what dead owners on this host left in the store's `.tmp`; returns the names removed. */
export function removeStaleWork(storeDir: string): string[] {
  const tmp = tmpDir(storeDir);
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return [];
  }
  const host = thisHost;
  const launchersOf = new Map<number, readonly number[]>();
  for (const owner of runOwners(storeDir)) if (owner.host === host) launchersOf.set(owner.pid, [...(launchersOf.get(owner.pid) ?? []), ...(owner.launchers ?? [])]);
  const removed: string[] = [];
  for (const name of names) {
    const made = workOwner(name);
    if (!made) continue;
    const { host: owner, pid } = made;
    if (owner !== host || pid === process.pid || alive(pid) || (launchersOf.get(pid) ?? []).some(alive)) continue;
    try {
      fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another run got there first, or it is not ours to remove: left as it is.
    }
  }
  return removed;
}
