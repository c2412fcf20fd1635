// The Slurm backend: a plan becomes a self-contained bundle of sbatch scripts (emit.ts,
// built from jobs.ts, directives.ts, job-script.ts, submit-script.ts), which submit.sh
// submits without pipe; pipe can then submit it, report, read logs and cancel
// (control.ts, status.ts, logs.ts) from bundle.json, jobs.tsv and one squeue call. These
// return data; the CLI prints it (cli/bundle-commands.ts).

export { readBundle, readBundleEnv, type Bundle, type BundleJob, type UnreadableBundle } from "./bundle.js";
export { effectiveResources, sbatchOptions } from "./directives.js";
export { bundleEnv, emitSlurm, nodeNeeds, writeBundle, type EmittedBundle, type MachinePaths } from "./emit.js";
export { cancelBundle, submitBundle, type CancelOutcome, type SubmitOutcome } from "./control.js";
export { bundleLog, type BundleLog } from "./logs.js";
export { BUNDLE_STATUSES, bundleStatus, taskStatuses, type BundleStatus, type BundleStatusName, type BundleTaskStatus } from "./status.js";
