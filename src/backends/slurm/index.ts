// The Slurm backend: a plan becomes a self-contained bundle of sbatch scripts (emit.ts,
// built from jobs.ts, directives.ts, job-script.ts, submit-script.ts), which submit.sh
// submits without pipe; pipe can then submit it, report, show logs and cancel
// (control.ts, status.ts, logs.ts) from bundle.json, jobs.tsv and one squeue call.

export { readBundle, readBundleEnv, type Bundle, type BundleJob } from "./bundle.js";
export { effectiveResources, sbatchOptions } from "./directives.js";
export { bundleEnv, emitSlurm, writeBundle, type EmittedBundle, type MachinePaths } from "./emit.js";
export { slurmCancel, slurmSubmit } from "./control.js";
export { slurmLogs } from "./logs.js";
export { slurmStatus, taskStates } from "./status.js";
