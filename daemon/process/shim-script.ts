/**
 * The per-job shim: a POSIX shell script written to `<job dir>/run` and sourced by the launcher
 * (daemon/process/launcher.ts) in a shell that leads its own process group, whose pid it finds in `$p`. It
 *
 *   1. creates `pid` with O_EXCL (`set -C`): a second copy of the same start finds it and leaves,
 *      and so does one that comes after the daemon gave up on the start and fenced it off;
 *   2. moves itself into the attempt's cgroup, when it has one (daemon/process/cgroup.ts): a
 *      builtin echo, before it forks anything, so every process of the job starts inside;
 *      then says "S <token> <pid>" on the notify pipe (fd 3);
 *   3. runs the command in a subshell with the job's cwd and environment, stdin /dev/null, and
 *      fd 3 closed: `exec` there means argv[0] is always a program (as with spawn), never a
 *      builtin like `exit` that would take the shim with it; the subshell forks once, as running
 *      the program directly would;
 *   4. writes `exit_status` — before anything else, so it is on disk whatever happens next —
 *      then says "E <token> <status>", with SIGPIPE ignored just for that line: a dead daemon
 *      never stops a shim from recording how its job ended.
 *
 * The shim itself takes SIGTERM/SIGINT (trapped) so it can record how the command took them;
 * the command gets the default actions back in the subshell. A stop that lands before the
 * subshell exists is remembered (`t`) and the subshell exits with it (143/130) instead of
 * starting the command, so a cancel of a starting job never waits out the kill grace.
 * SIGKILL still takes the whole group.
 * Every value from the job is single-quoted; NUL cannot be passed through a shell (nor exec).
 */
import type { ClaimedJob } from "../../shared/protocol.ts";
import { UnrunnableJobError } from "./executor.ts";

export interface ShimFiles {
  pid: string;
  exitStatus: string;
}

export interface ShimSpec {
  token: string;
  argv: string[];
  cwd: string;
  /** Variables set for the job on top of the environment the launcher was started with. */
  env: Record<string, string>;
  files: ShimFiles;
  /** The attempt's cgroup directory; none when jobs are contained by process group only. */
  cgroup?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function shimScript(spec: ShimSpec): string {
  const { token, argv, cwd, env, files, cgroup } = spec;
  const exports = Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name))
      throw new UnrunnableJobError(`the environment variable name ${name} is invalid`);
    return `${name}=${quote(value)}`;
  });
  const setEnv = exports.length ? ` && export ${exports.join(" ")}` : "";
  return [
    "# flowy job shim, written by daemon-flowy (see daemon/process/shim-script.ts)",
    "set -C",
    `{ echo $p >${quote(files.pid)}; } 2>/dev/null || exit 0`,
    "set +C",
    ...(cgroup ? [`{ echo $p >${quote(`${cgroup}/cgroup.procs`)}; } 2>/dev/null`] : []),
    // A stop before the exec is remembered, and the subshell ends with it instead of running.
    "trap 't=143' TERM; trap 't=130' INT",
    `trap '' PIPE; echo "S ${token} $p" >&3; trap - PIPE`,
    `([ -z "$t" ] || exit $t; cd ${quote(cwd)}${setEnv} && exec ${argv.map(quote).join(" ")} 3>&-)`,
    "s=$?",
    `echo $s >${quote(files.exitStatus)}`,
    `trap '' PIPE; echo "E ${token} $s" >&3`,
    "exit $s",
    "",
  ].join("\n");
}

/** One shell word, whatever it holds (but NUL, which no argv or environment can carry). */
export function quote(value: string): string {
  if (value.includes("\0")) {
    throw new UnrunnableJobError("the job's command, cwd or environment contains a NUL character");
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The job's argv: its command, or its shell line for /bin/sh. */
export function commandArgv(job: ClaimedJob): string[] {
  if (job.spec.command) return job.spec.command;
  return ["/bin/sh", "-c", job.spec.shell!];
}
