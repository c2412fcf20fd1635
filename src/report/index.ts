// `pipe report`: what a local run or a Slurm bundle did, as one self-contained HTML file.
// model.ts is what a report shows; local.ts and slurm.ts read it from a run's record or a
// bundle's jobs (and sacct); html.ts, dag.ts and escape.ts render it.

export { localReport } from "./local.js";
export { slurmReport } from "./slurm.js";
export { reportHtml } from "./html.js";
export type { Report, ReportAttempt, ReportState, ReportTask } from "./model.js";
