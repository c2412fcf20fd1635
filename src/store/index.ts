// The store: where results live, keyed by the cache keys the plan computed (plan/keys.ts).
// This folder owns everything about it, and every reader and writer of the store goes through
// it (as miniwdl's CallCache owns its cache):
//   layout.ts      where each thing lives: entries, `.tmp`, `.locks`, `.verified`, and the
//                  project's stat cache; the same places in bash for the task scripts
//   meta.ts        the record of an entry, `meta.json`: its one schema and its one builder
//   entries.ts     reading: an entry's record, a task's entries (whether a key is in the
//                  store at all is layout.ts's `inStore`: one stat)
//   outputs.ts     what a valid output is, and the messages when one is not
//   commit.ts      writing: an entry committed whole by a rename, a forced one replacing
//   locks.ts       per-key locks, so that two runs never compute one key at once
//   stale-work.ts  removing the work directories of runs that died
//   probe.ts       whether a location can hold a store at all
//   needs.ts       what running work needs, and the mark of a collection, so gc spares it
//   gc.ts          deleting the entries no given plan and no running work needs
// What a run needs on its hot path (layout.ts's `inStore`, needs.ts, locks.ts) imports the
// module itself rather than this index, which loads meta.ts and its schema.
// The self-contained task script does in bash what entries.ts and commit.ts do (plan/script.ts
// generates it from layout.ts, meta.ts and outputs.ts).

export { hashCacheFile, inBash, inStore, META, storeLookup, entryDir, metaFile, outputPath, scratchDir, storedAs, tmpDir, workDir } from "./layout.js";
export { entryMeta, MetaSchema, metaTime, type Meta, type RunMeta } from "./meta.js";
export { entriesOf, entriesOfAction, entriesOfTasks, entryAt, type StoreEntry } from "./entries.js";
export { invalidOutput, isStructured, missingOutput, numberOf, OUTPUT_RULES, outputRule, parseType, projectValue, scalarValue, structuredValue, type OutputRule } from "./outputs.js";
export { finishResult, type Times } from "./commit.js";
export { alive, KeyLocks, runOwners, type LockOwner } from "./locks.js";
export { removeStaleWork } from "./stale-work.js";
export { probeStore } from "./probe.js";
export { liveNeeds, markCollecting, registerNeeds, whileCollecting, type ActiveJobs } from "./needs.js";
export { collectStore, sizeOf, type Collected, type CollectedEntry } from "./gc.js";
