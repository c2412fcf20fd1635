// Starts task scripts through long-lived bash processes ("launchers"), one per task running
// at once, instead of spawning each task from Node. Node forks its whole (large) process for
// every child, which made a sweep of 1,000 trivial tasks take twice as long as `xargs -P 2`
// running the same commands; a launcher forks a small bash instead, as xargs does.
//
// A launcher owns three scratch files, reused from task to task: a script, which pipe
// overwrites with the next task's script (its variables exported first), and the task's
// stdout and stderr. A one-line request on stdin makes the launcher run the script in a
// subshell (`( . SCRIPT ) &`: a fork, no new bash to start) in its own process group
// (`set -m`), so that a task's whole group can be signalled; it
// answers `s PID` when the task started and `e PID STATUS OUT ERR` when it ended (STATUS is
// 128+N after signal N; OUT and ERR are 1 when the task printed to stdout or stderr). The
// request is one byte because bash reads a pipe a byte per system call, and the files are
// reused because creating a file is what costs most on some file systems (ext4 scans recently
// deleted inodes at every creation). A task's logs are moved into place only when they are
// not empty: most tasks of a sweep print nothing. Launchers run in their own session: a
// Ctrl-C at the terminal reaches pipe, which decides what ends.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { shellQuote } from "../../plan/values.js";

const LAUNCHER = `set -m
script=$1 out=$2 err=$3
while IFS= read -r _; do
  ( . "$script" ) </dev/null >"$out" 2>"$err" &
  pid=$!
  printf 's %d\\n' "$pid"
  wait "$pid"
  status=$?
  o=0 e=0
  [ -s "$out" ] && o=1
  [ -s "$err" ] && e=1
  printf 'e %d %d %d %d\\n' "$pid" "$status" "$o" "$e"
done
`;

export interface LaunchRequest {
  /** The script's text. */
  readonly script: string;
  /** Log files, made or appended to when the task printed anything. */
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
  readonly scratch: { readonly script: string; readonly stdout: string; readonly stderr: string };
  /** The scratch script, kept open. */
  readonly scriptFd: number;
  current?: { readonly request: LaunchRequest; readonly resolve: (status: number | null) => void };
  buffer: string;
  dead: boolean;
}

export class Launchers {
  private readonly idle: Launcher[] = [];
  private readonly all = new Set<Launcher>();

  private count = 0;

  constructor(
    /** Where the launchers' scratch files are kept. */
    private readonly scratchDir: string,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    /** Told the pids of the launchers whenever one starts (for the key locks). */
    private readonly onStarted: (pids: number[]) => void = () => {},
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
    const exports = Object.entries(request.env).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`);
    const text = Buffer.from(exports.join("") + request.script);
    try {
      // Rewritten in place (the launcher's previous task has ended): no file is created. Two
      // system calls, done synchronously: cheaper than a round trip through libuv's threads.
      fs.writeSync(launcher.scriptFd, text, 0, text.length, 0);
      fs.ftruncateSync(launcher.scriptFd, text.length);
    } catch (error) {
      this.giveBack(launcher);
      return Promise.reject(error as Error);
    }
    return new Promise((resolve) => {
      launcher.current = { request, resolve };
      launcher.child.stdin.write("\n");
    });
  }

  /** Ends the idle launchers (a busy one ends when pipe's side of its stdin closes). */
  close(): void {
    for (const l of this.all) {
      l.child.stdin.end();
      fs.closeSync(l.scriptFd);
    }
    this.idle.length = 0;
    for (let n = 1; n <= this.count; n++) {
      for (const ext of ["sh", "out", "err"]) fs.rmSync(path.join(this.scratchDir, `.launcher-${n}.${ext}`), { force: true });
    }
  }

  private create(): Launcher {
    const n = ++this.count;
    const [script, stdout, stderr] = ["sh", "out", "err"].map((ext) => path.join(this.scratchDir, `.launcher-${n}.${ext}`)) as [string, string, string];
    const scratch = { script, stdout, stderr };
    const child = spawn("bash", ["-c", LAUNCHER, "pipe-launcher", script, stdout, stderr], { cwd: this.cwd, env: this.env, detached: true, stdio: ["pipe", "pipe", "ignore"] });
    const launcher: Launcher = { child, pid: child.pid, scratch, scriptFd: fs.openSync(script, "w"), buffer: "", dead: false };
    this.all.add(launcher);
    this.onStarted([...this.all].flatMap((l) => (l.pid ? [l.pid] : [])));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      launcher.buffer += chunk;
      for (let nl = launcher.buffer.indexOf("\n"); nl >= 0; nl = launcher.buffer.indexOf("\n")) {
        const [kind, pid, status, out, err] = launcher.buffer.slice(0, nl).split(" ");
        launcher.buffer = launcher.buffer.slice(nl + 1);
        const current = launcher.current;
        if (!current) continue;
        if (kind === "s") current.request.started(Number(pid));
        else if (kind === "e") {
          launcher.current = undefined;
          if (out === "1") keepLog(scratch.stdout, current.request.stdout);
          if (err === "1") keepLog(scratch.stderr, current.request.stderr);
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
      if (current) {
        keepLog(scratch.stdout, current.request.stdout);
        keepLog(scratch.stderr, current.request.stderr);
      }
      current?.resolve(null);
    };
    // Writing to a launcher that died fails asynchronously; "close" reports the death itself.
    child.stdin.on("error", () => {});
    child.on("error", died);
    child.on("close", died);
    return launcher;
  }
}

/** Moves a scratch log to its task's log (appended to it after a retry), unless it is empty. */
function keepLog(scratch: string, log: string): void {
  try {
    if (fs.statSync(scratch).size === 0) return;
    if (fs.existsSync(log)) {
      fs.appendFileSync(log, fs.readFileSync(scratch));
      fs.truncateSync(scratch);
    } else fs.renameSync(scratch, log);
  } catch {
    // Not there: the launcher could not start the task.
  }
}
