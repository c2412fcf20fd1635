// What a local run reports while it goes, as data; the CLI's progress displays
// (cli/run-progress.ts) show it.

export type RunEvent =
  | { readonly type: "plan"; readonly total: number; readonly toRun: number; readonly cached: number }
  | { readonly type: "start"; readonly task: string; readonly attempt: number }
  | { readonly type: "done"; readonly task: string; readonly ms: number }
  | { readonly type: "cached"; readonly task: string }
  | { readonly type: "failed"; readonly task: string; readonly exitCode: number | null; readonly retrying: boolean }
  | { readonly type: "waiting"; readonly task: string; readonly holder: string }
  | { readonly type: "skipped"; readonly task: string; readonly because: string }
  | { readonly type: "stopping"; readonly reason: "failure" | "interrupt" | "kill" }
  /** A dynamic loop was planned, its list in the store now: `tasks` new tasks, `toRun` of them to run. */
  | { readonly type: "expanded"; readonly loop: string; readonly tasks: number; readonly toRun: number }
  | { readonly type: "expansion-failed"; readonly loop: string; readonly message: string };

export interface Reporter {
  event(e: RunEvent): void;
  /** Set when "cached" events are dropped: a run of a kept plan then names no cached task (it would read every id for it). */
  readonly ignoresCached?: boolean;
  /** Called once, after the last event. */
  close(): void;
}
