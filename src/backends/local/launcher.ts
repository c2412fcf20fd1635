// Starts task scripts through long-lived bash processes ("launchers"), one per task running
// at once, instead of spawning each task from Node. Node forks its whole (large) process for
// every child, which made a sweep of 1,000 trivial tasks take twice as long as `xargs -P 2`
// running the same commands; a launcher forks a small bash instead, as xargs does.
//
// A launcher has two slots, `a` and `b`, each four scratch files reused from task to task: a
// script, which pipe overwrites with a task's script (its variables exported first), the
// checks of its outputs, and the task's stdout and stderr. A request on stdin, the name of a
// slot, makes the launcher run that slot's script in a subshell (`( . SCRIPT ) &`: a fork, no
// new bash to start) in its own process group (`set -m`), so that a task's whole group can be
// signalled; it answers
// `s PID` when the task started and `e PID STATUS OUT ERR CHECK` when it ended (STATUS is
// 128+N after signal N; OUT and ERR are 1 when the task printed to stdout or stderr). After a
// script that exited 0, the launcher sources the slot's checks in its own shell (no process),
// and CHECK is 1 (STATUS 1) when an output failed them: STATUS 0 means the outputs are valid
// (plan/script.ts, `outputCheckScript`). Processes the task left behind in its group are sent
// SIGTERM when it ends, as Slurm does at a job's end: they would otherwise write into the logs
// of a later task of the same launcher.
//
// Two slots let pipe queue the next task on a busy launcher: it starts the moment the one
// before it ends, without waiting for pipe to hear of the end. After a task that failed, the
// launcher runs what was queued behind it only when pipe answers `go` (pipe answers `drop`
// when the run stops), so that a failure never starts more work than pipe allows. Once pipe
// stops the run it makes a stop file, and a launcher answers `x` for a task it would start.
//
// Requests are short because bash reads a pipe a byte per system call, and the files are
// reused because creating a file is what costs most on some file systems (ext4 scans recently
// deleted inodes at every creation). A task's logs are moved into place only when they are
// not empty: most tasks of a sweep print nothing. Launchers run in their own session: a
// Ctrl-C at the terminal reaches pipe, which decides what ends.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import fs from "node:fs";
import type { Readable, Writable } from "node:stream";
import { shellQuote } from "../../shell/quote.js";

const LAUNCHER = `set -m
p=$1 stop=$2
queue=()
while :; do
  if [ \${#queue[@]} -eq 0 ]; then
    IFS= read -r slot || break
    queue=("$slot")
  fi
  slot=\${queue[0]}
  queue=("\${queue[@]:1}")
  if [ -e "$stop" ]; then
    printf 'x\\n'
    continue
  fi
  ( . "$p.$slot.sh" ) </dev/null >"$p.$slot.out" 2>"$p.$slot.err" &
  pid=$!
  printf 's %d\\n' "$pid"
  wait "$pid"
  status=$?
  kill -TERM -- "-$pid"
  c=0
  if [ "$status" -eq 0 ] && [ -s "$p.$slot.check" ]; then
    . "$p.$slot.check" 2>>"$p.$slot.err" || { status=1 c=1; }
  fi
  o=0 e=0
  [ -s "$p.$slot.out" ] && o=1
  [ -s "$p.$slot.err" ] && e=1
  printf 'e %d %d %d %d %d\\n' "$pid" "$status" "$o" "$e" "$c"
  [ "$status" -eq 0 ] && continue
  while IFS= read -r line || exit 0; do
    case $line in
      go) break ;;
      drop) queue=(); break ;;
      *) queue+=("$line") ;;
    esac
  done
done
`;

export interface LaunchRequest {
  /** The task's id. */
  readonly task: string;
  /** The script's text. */
  readonly script: string;
  /** Bash the launcher sources in its own shell once the script exited 0, and whose status is the task's (the output checks); may be empty. */
  readonly check: string;
  /** Log files, made or appended to when the task printed anything. */
  readonly stdout: string;
  readonly stderr: string;
  /** Variables set for this task only, on top of the launchers' environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Called with the task's pid (and process group id) once it runs, and the files its output goes to meanwhile. */
  readonly started: (pid: number, scratch: { readonly stdout: string; readonly stderr: string }) => void;
  /** Called with the exit status, or null when the task never ran or its launcher died; `badOutput` when its command exited 0 but an output failed its check (the message is in its stderr). */
  readonly ended: (status: number | null, badOutput?: boolean) => void;
}

interface Slot {
  readonly name: "a" | "b";
  readonly script: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly check: string;
  /** The script and the check, kept open. */
  readonly fd: number;
  readonly checkFd: number;
  /** The check file is not empty. */
  checked: boolean;
}

interface Job {
  readonly request: LaunchRequest;
  readonly slot: Slot;
}

export interface Launcher {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  readonly pid: number | undefined;
  readonly slots: readonly [Slot, Slot];
  /** The task running, and the one queued to start when it ends. */
  running?: Job;
  queued?: Job;
  /** A task failed and the launcher waits to hear whether the queued one runs. */
  undecided: boolean;
  buffer: string;
  dead: boolean;
}

export class Launchers {
  private readonly idle: Launcher[] = [];
  private readonly all = new Set<Launcher>();

  private count = 0;
  private readonly stopFile: string;

  constructor(
    /** Where the launchers' scratch files are kept. */
    private readonly scratchDir: string,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    /** After a task failed and its `ended` was called: whether the task queued behind it runs. */
    private readonly goOn: () => boolean,
    /** Told the pids of the launchers whenever one starts (for the key locks). */
    private readonly onStarted: (pids: number[]) => void = () => {},
  ) {
    this.stopFile = `${scratchDir}/.launchers.stop`;
  }

  /** An idle launcher, started if there is none; `run` it or give it back. */
  take(): Launcher {
    return this.idle.pop() ?? this.create();
  }

  giveBack(launcher: Launcher): void {
    if (!launcher.dead && !launcher.running && !launcher.queued && !launcher.undecided && !this.idle.includes(launcher)) this.idle.push(launcher);
  }

  /** Busy launchers with nothing queued: where a task can wait to start. */
  queueable(): Launcher[] {
    return [...this.all].filter((l) => l.running && !l.queued && !l.undecided);
  }

  /** Runs a task script on an idle launcher, or queues it behind the task of a busy one; throws when the script cannot be written. */
  run(launcher: Launcher, request: LaunchRequest): void {
    if (launcher.dead) return request.ended(null);
    const slot = launcher.slots[launcher.running?.slot.name === "a" ? 1 : 0];
    const text = Buffer.from(Object.entries(request.env).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join("") + request.script);
    // Rewritten in place (the slot's previous task has ended): no file is created. Two system
    // calls, done synchronously: cheaper than a round trip through libuv's threads.
    fs.writeSync(slot.fd, text, 0, text.length, 0);
    fs.ftruncateSync(slot.fd, text.length);
    if (request.check || slot.checked) {
      const check = Buffer.from(request.check);
      if (check.length) fs.writeSync(slot.checkFd, check, 0, check.length, 0);
      fs.ftruncateSync(slot.checkFd, check.length);
      slot.checked = check.length > 0;
    }
    if (launcher.running) launcher.queued = { request, slot };
    else launcher.running = { request, slot };
    launcher.child.stdin.write(`${slot.name}\n`);
  }

  /**
   * From now on no launcher starts a task, not even one queued behind a task that ends well
   * (which a launcher starts without asking): each looks for this file before it starts one,
   * and answers `x` instead. Synchronous, so that nothing starts once the caller has decided.
   */
  stopAll(): void {
    fs.writeFileSync(this.stopFile, "");
  }

  /** Ends the launchers (a busy one ends when its task has). */
  close(): void {
    for (const l of this.all) {
      l.child.stdin.end();
      for (const slot of l.slots) for (const fd of [slot.fd, slot.checkFd]) fs.closeSync(fd);
    }
    this.idle.length = 0;
    for (const l of this.all) for (const slot of l.slots) for (const file of [slot.script, slot.check, slot.stdout, slot.stderr]) fs.rmSync(file, { force: true });
    fs.rmSync(this.stopFile, { force: true });
  }

  private create(): Launcher {
    const prefix = `${this.scratchDir}/.launcher-${++this.count}`;
    const slot = (name: "a" | "b"): Slot => {
      const script = `${prefix}.${name}.sh`;
      const check = `${prefix}.${name}.check`;
      return { name, script, check, stdout: `${prefix}.${name}.out`, stderr: `${prefix}.${name}.err`, fd: fs.openSync(script, "w"), checkFd: fs.openSync(check, "w"), checked: false };
    };
    const child = spawn("bash", ["-c", LAUNCHER, "pipe-launcher", prefix, this.stopFile], { cwd: this.cwd, env: this.env, detached: true, stdio: ["pipe", "pipe", "ignore"] });
    const launcher: Launcher = { child, pid: child.pid, slots: [slot("a"), slot("b")], undecided: false, buffer: "", dead: false };
    this.all.add(launcher);
    this.onStarted([...this.all].flatMap((l) => (l.pid ? [l.pid] : [])));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      launcher.buffer += chunk;
      for (let nl = launcher.buffer.indexOf("\n"); nl >= 0; nl = launcher.buffer.indexOf("\n")) {
        const line = launcher.buffer.slice(0, nl);
        launcher.buffer = launcher.buffer.slice(nl + 1);
        this.message(launcher, line);
      }
    });
    const died = () => {
      if (launcher.dead) return;
      launcher.dead = true;
      this.all.delete(launcher);
      const i = this.idle.indexOf(launcher);
      if (i >= 0) this.idle.splice(i, 1);
      const { running, queued } = launcher;
      launcher.running = launcher.queued = undefined;
      if (running) {
        keepLog(running.slot.stdout, running.request.stdout);
        keepLog(running.slot.stderr, running.request.stderr);
        running.request.ended(null);
      }
      queued?.request.ended(null);
    };
    // Writing to a launcher that died fails asynchronously; "close" reports the death itself.
    child.stdin.on("error", () => {});
    child.on("error", died);
    child.on("close", died);
    return launcher;
  }

  private message(launcher: Launcher, line: string): void {
    const [kind, pid, status, out, err, check] = line.split(" ");
    const job = launcher.running;
    if (!job) return;
    if (kind === "s") return job.request.started(Number(pid), job.slot);
    if (kind === "x") {
      // Dropped unrun (see stopAll); what was queued behind it comes next.
      launcher.running = launcher.queued;
      launcher.queued = undefined;
      job.request.ended(null);
      return this.giveBack(launcher);
    }
    if (kind !== "e") return;
    if (out === "1") keepLog(job.slot.stdout, job.request.stdout);
    if (err === "1") keepLog(job.slot.stderr, job.request.stderr);
    const failed = status !== "0";
    // On success the launcher has gone on to the queued task already.
    launcher.running = failed ? undefined : launcher.queued;
    if (!failed) launcher.queued = undefined;
    launcher.undecided = failed;
    job.request.ended(Number(status), check === "1");
    if (failed) {
      const go = this.goOn();
      launcher.undecided = false;
      launcher.child.stdin.write(go ? "go\n" : "drop\n");
      const queued = launcher.queued;
      launcher.queued = undefined;
      if (go) launcher.running = queued;
      else queued?.request.ended(null);
    }
    this.giveBack(launcher);
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
