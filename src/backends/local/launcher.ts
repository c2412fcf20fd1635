// Starts task scripts through long-lived bash processes ("launchers"), one per task running
// at once, instead of spawning each task from Node. Node forks its whole (large) process for
// every child, which made a sweep of 1,000 trivial tasks take twice as long as `xargs -P 2`
// running the same commands; a launcher forks a small bash instead, as xargs does.
//
// A launcher reads one request at a time on stdin (NUL-separated: script, stdout log, stderr
// log, a count and that many NAME=VALUE variables), starts `bash SCRIPT` in its own process
// group (`set -m`), so that a task's whole group can be signalled, and answers `s PID` when
// it started and `e PID STATUS` when it ended (STATUS is 128+N after signal N). Launchers
// run in their own session: a Ctrl-C at the terminal reaches pipe, which decides what ends.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";

const LAUNCHER = `set -m
while IFS= read -r -d '' script && IFS= read -r -d '' out && IFS= read -r -d '' err && IFS= read -r -d '' n; do
  vars=()
  for ((i = 0; i < n; i++)); do IFS= read -r -d '' v && vars+=("$v"); done
  ( ((n == 0)) || export "\${vars[@]}"; exec bash "$script" ) </dev/null >>"$out" 2>>"$err" &
  pid=$!
  printf 's %d\\n' "$pid"
  wait "$pid"
  printf 'e %d %d\\n' "$pid" "$?"
done
`;

export interface LaunchRequest {
  readonly script: string;
  /** Log files, appended to. */
  readonly stdout: string;
  readonly stderr: string;
  /** Variables set for this task only, on top of the launchers' environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Called with the task's pid (and process group id) once it runs. */
  readonly started: (pid: number) => void;
}

export interface Launcher {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  readonly pid: number | undefined;
  current?: { readonly request: LaunchRequest; readonly resolve: (status: number | null) => void };
  buffer: string;
  dead: boolean;
}

export class Launchers {
  private readonly idle: Launcher[] = [];
  private readonly all = new Set<Launcher>();

  constructor(
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** An idle launcher, started if there is none; `run` it or give it back. */
  take(): Launcher {
    return this.idle.pop() ?? this.create();
  }

  giveBack(launcher: Launcher): void {
    if (!launcher.dead && !launcher.current) this.idle.push(launcher);
  }

  /** Runs a task script; resolves with its exit status, or null when its launcher died. */
  run(launcher: Launcher, request: LaunchRequest): Promise<number | null> {
    if (launcher.dead) return Promise.resolve(null);
    return new Promise((resolve) => {
      launcher.current = { request, resolve };
      const vars = Object.entries(request.env).map(([k, v]) => `${k}=${v}`);
      launcher.child.stdin.write([request.script, request.stdout, request.stderr, String(vars.length), ...vars].map((f) => f + "\0").join(""));
    });
  }

  /** Ends the idle launchers (a busy one ends when pipe's side of its stdin closes). */
  close(): void {
    for (const l of this.all) l.child.stdin.end();
    this.idle.length = 0;
  }

  private create(): Launcher {
    const child = spawn("bash", ["-c", LAUNCHER], { cwd: this.cwd, env: this.env, detached: true, stdio: ["pipe", "pipe", "ignore"] });
    const launcher: Launcher = { child, pid: child.pid, buffer: "", dead: false };
    this.all.add(launcher);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      launcher.buffer += chunk;
      for (let nl = launcher.buffer.indexOf("\n"); nl >= 0; nl = launcher.buffer.indexOf("\n")) {
        const [kind, pid, status] = launcher.buffer.slice(0, nl).split(" ");
        launcher.buffer = launcher.buffer.slice(nl + 1);
        const current = launcher.current;
        if (!current) continue;
        if (kind === "s") current.request.started(Number(pid));
        else if (kind === "e") {
          launcher.current = undefined;
          if (!launcher.dead) this.idle.push(launcher);
          current.resolve(Number(status));
        }
      }
    });
    const died = () => {
      if (launcher.dead) return;
      launcher.dead = true;
      this.all.delete(launcher);
      const i = this.idle.indexOf(launcher);
      if (i >= 0) this.idle.splice(i, 1);
      const current = launcher.current;
      launcher.current = undefined;
      current?.resolve(null);
    };
    // Writing to a launcher that died fails asynchronously; "close" reports the death itself.
    child.stdin.on("error", () => {});
    child.on("error", died);
    child.on("close", died);
    return launcher;
  }
}
