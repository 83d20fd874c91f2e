/**
 * The launcher: one small, long-lived shell loop that starts every command job's shim, so the
 * daemon (a large Node process) never forks per job. Forking a ~100 MB Node process costs several
 * milliseconds of the daemon's only thread; forking a 2 MB shell costs a fraction of one and
 * happens in another process.
 *
 * Protocol (all lines, each one write(2) shorter than PIPE_BUF, so never interleaved):
 *
 *   daemon -> launcher stdin   "<job dir>"          start <job dir>/run in its own process group
 *   shim   -> notify pipe      "S <token> <pid>"    running as <pid> (= its process group)
 *   shim   -> notify pipe      "E <token> <status>" the command ended; exit_status is written
 *
 * The notify pipe is the launcher's fd 3, inherited by each shim (not by the command). A shim
 * outlives its launcher: if the launcher dies, the daemon starts another and sends it again every
 * start that has not said "S" yet. Sending twice is safe: the shim creates its pid file with
 * O_EXCL (`set -C`), and a second copy finds it and leaves without running anything.
 * The launcher leaves when its stdin closes, so it never outlives the daemon.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import type { Socket } from "node:net";
import { delimiter, join } from "node:path";
import type { Logger } from "pino";

export interface LaunchHandlers {
  /** The shim runs as `pid`, leader of its own process group. */
  onStarted(pid: number): void;
  /** The command ended with `status`; the shim has written it to exit_status. */
  onEnded(status: number): void;
}

export interface LauncherOptions {
  /** The environment every job starts from (the job's own variables are set by its shim). */
  env: NodeJS.ProcessEnv;
  /** Which loop to run (see LOOPS); by default bash where installed, else sh. */
  shell?: LauncherShell;
}

/**
 * How each job's shim gets its own process group, cheapest first:
 *
 * - `bash`: bash honours `set -m` without a terminal, so every `( … ) &` is forked into a process
 *   group of its own, with the default SIGINT/SIGQUIT; the shim runs in that forked subshell
 *   (`. run`), so a job costs one fork of a small shell, then the command's fork and exec.
 * - `sh`: a POSIX sh without job control there (dash) and `setsid -f` (util-linux): one exec
 *   more for setsid and one for the shim's own sh. In the foreground, because a background child
 *   of a shell without job control starts with SIGINT and SIGQUIT ignored, and so would the job.
 *
 * Either way the shim knows its pid as `$p`, and its stdin is /dev/null: a shim must never read
 * the daemon's commands. `--posix` keeps bash from reading $BASH_ENV. bash `disown`s each job:
 * with job control on it otherwise keeps every job it ever started in its job table (~100 bytes
 * each, for the daemon's lifetime); it still reaps them, and the shim reports the exit status.
 */
const LOOPS = {
  bash: `set -m; while IFS= read -r d; do ( p=$BASHPID; . "$d/run" ) </dev/null >>"$d/output.log" 2>&1 & disown; done`,
  sh: `while IFS= read -r d; do setsid -f /bin/sh -c 'p=$$; . "$0/run"' "$d" </dev/null >>"$d/output.log" 2>&1; done`,
} as const;

export type LauncherShell = keyof typeof LOOPS;

/** The launcher's command line: bash where installed, else sh with setsid(1). */
function launcherCommand(shell: LauncherShell | undefined, path: string | undefined): [string, string[]] {
  const bash = findOnPath("bash", path);
  if (shell !== "sh" && bash) return [bash, ["--posix", "-c", LOOPS.bash]];
  if (shell === "bash") throw new Error("bash is not installed");
  if (!findOnPath("setsid", path)) {
    throw new Error(
      "neither bash nor setsid (util-linux) is installed: daemon-flowy needs one of them to start " +
        "jobs in their own process group",
    );
  }
  return ["/bin/sh", ["-c", LOOPS.sh]];
}

const RESTART_BACKOFF_MS = [0, 100, 500, 2_000];

export class Launcher {
  private readonly options: LauncherOptions;
  private child: ChildProcess | undefined;
  /** Starts sent but not confirmed: sent again to a new launcher. */
  private readonly pending = new Map<string, string>();
  private readonly handlers = new Map<string, LaunchHandlers>();
  private nextToken = 1;
  private restarts = 0;
  private lastStart = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private outbox: string[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private logger: Logger | undefined;

  constructor(options: LauncherOptions) {
    this.options = options;
  }

  /** Where to say that the launcher died and was started again. */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** A token for one start; the shim script names it in its notifications. */
  token(): string {
    return String(this.nextToken++);
  }

  /** The launcher's pid (for tests and logs); undefined before the first job. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Asks the launcher to start `<dir>/run`; `handlers` hear from its shim. */
  launch(token: string, dir: string, handlers: LaunchHandlers): void {
    if (dir.includes("\n")) throw new Error(`a job directory with a newline cannot be launched: ${dir}`);
    this.handlers.set(token, handlers);
    this.pending.set(token, dir);
    if (!this.child) {
      this.ensureRunning(); // a new launcher is sent everything pending
      return;
    }
    // The jobs of one claim answer start within one turn of the event loop: one write for all.
    this.outbox.push(`${dir}\n`);
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    clearImmediate(this.flushing);
    this.flushing = undefined;
    const lines = this.outbox.join("");
    this.outbox = [];
    if (lines) this.child?.stdin?.write(lines);
  }

  /** Forget a start (it ended, or was fenced off); late notifications for it are ignored. */
  forget(token: string): void {
    this.handlers.delete(token);
    this.pending.delete(token);
  }

  /** Closes the launcher's stdin: it leaves, running shims carry on. */
  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.flush();
    this.child?.stdin?.end();
  }

  private ensureRunning(): void {
    if (this.child) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.closed = false;
    this.lastStart = Date.now();
    const [file, args] = launcherCommand(this.options.shell, this.options.env.PATH);
    const child = spawn(file, args, {
      cwd: "/",
      env: this.options.env,
      // Its own process group: a Ctrl-C meant for the daemon does not reach it (or the jobs).
      detached: true,
      stdio: ["pipe", "ignore", "inherit", "pipe"],
    });
    this.child = child;
    // The launcher never keeps the daemon alive; running jobs do, through their own timers.
    child.unref();
    const stdin = child.stdin as Socket;
    const notify = child.stdio[3] as Socket;
    stdin.unref();
    notify.unref();
    stdin.on("error", () => undefined); // EPIPE when it died: handled on "exit"
    readLines(notify, (line) => this.onLine(line));
    child.once("error", (error) => this.logger?.error({ err: error.message }, "launcher failed"));
    child.once("exit", (code, signal) => this.onExit(child, code, signal));
    // Everything not confirmed yet, including what waits in the outbox.
    this.outbox = [];
    for (const dir of this.pending.values()) this.outbox.push(`${dir}\n`);
    this.flushing ??= setImmediate(() => this.flush());
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.closed) return;
    // Stable for a while: a fresh start. Dying again at once: back off.
    if (Date.now() - this.lastStart > 10_000) this.restarts = 0;
    const delay = RESTART_BACKOFF_MS[Math.min(this.restarts++, RESTART_BACKOFF_MS.length - 1)]!;
    this.logger?.warn(
      { event: "launcher_exited", code, signal, pending: this.pending.size, restart_in_ms: delay },
      "the job launcher exited; starting another",
    );
    if (this.pending.size === 0) return; // started again by the next launch
    this.restartTimer = setTimeout(() => {
      if (!this.child && !this.closed) this.ensureRunning();
    }, delay);
  }

  private onLine(line: string): void {
    const [kind, token, value] = line.split(" ");
    const number = Number(value);
    const handlers = this.handlers.get(token ?? "");
    if (!handlers || !Number.isInteger(number)) return;
    if (kind === "S") {
      this.pending.delete(token!);
      handlers.onStarted(number);
    } else if (kind === "E") {
      this.forget(token!);
      handlers.onEnded(number);
    }
  }
}

/** Calls `onLine` for each complete line of a stream, until it ends. */
function readLines(stream: Socket, onLine: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("latin1");
  stream.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  // A notify pipe ends only when the launcher and every shim it started are gone.
  stream.on("error", () => undefined);
}

function findOnPath(command: string, path: string | undefined): string | undefined {
  for (const dir of (path || "/usr/bin:/bin").split(delimiter)) {
    if (!dir.startsWith("/")) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not here
    }
  }
  return undefined;
}
