/**
 * Running jobs as another user (`job_user`): the daemon (root) keeps the worker's API key, the
 * lease tokens and its own files; a job runs with that user's uid and gid, so it cannot read
 * /proc/<daemon>/environ (the kernel refuses another uid), another job's lease token (job.json
 * and result.json are the daemon's, mode 0600), nor write to its cgroup to leave it.
 *
 * The switch happens at the last moment: the shim (root) joins the cgroup, records the pid and
 * the exit status, and execs the command through setpriv(1); the workflow executor is spawned
 * with the user's uid and gid.
 */
import { execFileSync } from "node:child_process";
import { FlowyError } from "../../shared/errors.ts";

export interface JobUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Looks the user up (getent: local files, LDAP, whatever NSS knows); refuses what cannot work. */
export function resolveJobUser(name: string | undefined): JobUser | undefined {
  if (name === undefined) return undefined;
  let entry: string;
  try {
    entry = execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim();
  } catch {
    throw new FlowyError(
      "invalid-request",
      `job_user ${name} is not a user on this host`,
      "Create it (e.g. useradd --system --no-create-home flowy-job), or unset job_user.",
    );
  }
  const [user, , uid, gid, , home] = entry.split(":");
  const resolved = { name: user!, uid: Number(uid), gid: Number(gid), home: home || "/" };
  if (process.getuid?.() !== 0 && process.getuid?.() !== resolved.uid) {
    throw new FlowyError(
      "invalid-request",
      `job_user ${name} needs daemon-flowy to run as root (it runs as uid ${process.getuid?.()})`,
      "Start the daemon as root (the shipped unit does), or unset job_user.",
    );
  }
  try {
    execFileSync("setpriv", ["--version"], { stdio: "ignore" });
  } catch {
    throw new FlowyError(
      "invalid-request",
      "job_user needs setpriv (util-linux) to start jobs as another user, and it is not installed",
      "Install util-linux, or unset job_user.",
    );
  }
  return resolved;
}

/** The words before a job's argv that switch to the user (for the shim's exec). */
export function switchUserArgv(user: JobUser | undefined): string[] {
  if (!user) return [];
  return ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--"];
}

/** What a job sees of its user: HOME, USER and LOGNAME are the job user's, not the daemon's. */
export function userVariables(user: JobUser | undefined): Record<string, string> {
  if (!user) return {};
  return { HOME: user.home, USER: user.name, LOGNAME: user.name };
}
