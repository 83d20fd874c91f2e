/**
 * One directory per job under <state_dir>/jobs/<job id>. It holds everything a restarted daemon
 * needs to re-adopt or collect the job:
 *
 *   job.json       the claimed job (id, attempt, lease token, spec) and when it started
 *   inputs.json    $FLOWY_INPUTS
 *   outputs.json   $FLOWY_OUTPUTS, written by the job if it wants to
 *   output.log     stdout and stderr, interleaved as a terminal would show them
 *   run            the shell shim the launcher starts for a command job (daemon/process/shim-script.ts)
 *   pid            the shell shim's pid (= its process group), written by the shim itself
 *   process.json   which process that pid is (start time, boot id), so a pid reused after a
 *                  reboot or a long downtime is never signaled (daemon/process/process-identity.ts)
 *   exit_status    the command's exit status, written by the shim when the command ends
 *   log-offsets    how much of output.log the server has (file bytes -> server bytes)
 *   result.json    the outcome the daemon decided to report, kept until the server accepts it
 *
 * With `job_user` the directory (mode 0700) and inputs.json belong to that user; job.json,
 * result.json, log-offsets and run stay the daemon's, mode 0600, so one job cannot read another's
 * lease token even as the same user.
 *
 * The directory is named by the job id only after checking the id is a plain name, so nothing a
 * job says can make the daemon write outside its own directory.
 */
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm, rmdir, unlink } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { FlowyError } from "../../shared/errors.ts";
import type { ClaimedJob, ReportItem } from "../../shared/protocol.ts";
import { currentBootId, identify, type ProcessIdentity, verify, verifyByAge } from "./process-identity.ts";
import type { JobUser } from "./job-user.ts";

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** Files only the daemon reads: they hold the lease token, or say where the log was shipped. */
export const PRIVATE = 0o600;

export const FILES = {
  job: "job.json",
  inputs: "inputs.json",
  outputs: "outputs.json",
  log: "output.log",
  run: "run",
  pid: "pid",
  identity: "process.json",
  exitStatus: "exit_status",
  logOffsets: "log-offsets",
  result: "result.json",
} as const;

/** What job.json holds: the claimed job plus what this daemon added. */
export interface StagedJob {
  job: ClaimedJob;
  started_at: number;
}

export class JobDir {
  readonly path: string;
  readonly jobId: string;

  constructor(root: string, jobId: string) {
    this.path = jobDirPath(root, jobId);
    this.jobId = jobId;
  }

  file(name: keyof typeof FILES): string {
    return join(this.path, FILES[name]);
  }

  /**
   * Creates the directory afresh (a leftover from an older attempt is removed) with job.json and
   * inputs. Synchronous, like `remove`: a few small writes to the local state dir cost less CPU on
   * the daemon's thread than the thread-pool round trips of their promise versions, and on a busy
   * worker that CPU is what the jobs' processes need.
   */
  async stage(job: ClaimedJob, startedAt: number, owner?: JobUser): Promise<void> {
    makeDir(this.path);
    const staged: StagedJob = { job, started_at: startedAt };
    // The lease token is the daemon's: 0600 whoever owns the directory.
    writeFileSync(this.file("job"), JSON.stringify(staged), { mode: PRIVATE });
    writeFileSync(this.file("inputs"), JSON.stringify(job.inputs ?? {}), { mode: PRIVATE });
    if (owner) {
      // The job's own: its directory (its cwd, where it writes outputs) and its inputs.
      chownSync(this.path, owner.uid, owner.gid);
      chownSync(this.file("inputs"), owner.uid, owner.gid);
    }
  }

  async readStaged(): Promise<StagedJob | undefined> {
    return readJson<StagedJob>(this.file("job"));
  }

  /** The shim's exit status, or undefined while the command still runs (or never got to write it). */
  async readExitStatus(): Promise<number | undefined> {
    const text = await readFile(this.file("exitStatus"), "utf8").catch(() => "");
    // The shim writes "N\n" with one write(); without the newline it is not there yet.
    if (!text.endsWith("\n")) return undefined;
    const status = Number(text.trim());
    return Number.isInteger(status) ? status : undefined;
  }

  async readPid(): Promise<number | undefined> {
    const text = await readFile(this.file("pid"), "utf8").catch(() => "");
    const pid = Number(text.trim());
    return text.endsWith("\n") && Number.isInteger(pid) && pid > 1 ? pid : undefined;
  }

  /** Records which process the job's pid is, once it runs; where that cannot be read, nothing. */
  writeIdentity(pid: number): void {
    const identity = identify(pid);
    if (identity) writeFileSync(this.file("identity"), JSON.stringify(identity));
  }

  /**
   * The saved pid, only if the process there is still the one this job started (or it cannot be
   * told, off Linux); undefined for none, or for a pid that now names another process.
   */
  async readTrustedPid(): Promise<number | undefined> {
    const pid = await this.readPid();
    if (pid === undefined) return undefined;
    const saved = await readJson<ProcessIdentity>(this.file("identity"));
    const verdict = saved?.pid === pid ? verify(saved) : verifyByAge(this.file("pid"));
    return verdict === "different" ? undefined : pid;
  }

  /** Whether the job's processes were started in this boot (or it cannot be told): before that, none of its pids are. */
  async sameBoot(): Promise<boolean> {
    const saved = await readJson<ProcessIdentity>(this.file("identity"));
    if (saved) return saved.boot_id === currentBootId() || currentBootId() === undefined;
    return verifyByAge(this.file("pid")) !== "different";
  }

  /** Saves the outcome until the server accepts it; a job that never got a directory has none to save. */
  async writeResult(item: ReportItem): Promise<void> {
    try {
      writeFileSync(this.file("result"), JSON.stringify(item), { mode: PRIVATE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  readResult(): Promise<ReportItem | undefined> {
    return readJson<ReportItem>(this.file("result"));
  }

  /**
   * Removes the directory: its files, then the directory itself; whatever a job made in there
   * beyond plain files (it is the job's cwd by default) takes the recursive path. Asynchronous:
   * it is off the job's critical path, and a metadata write can wait for the file system's
   * journal (the server's fsyncs) — better on the thread pool than on the daemon's thread.
   */
  async remove(): Promise<void> {
    try {
      const names = await readdir(this.path);
      await Promise.all(names.map((name) => unlink(join(this.path, name))));
      await rmdir(this.path);
    } catch {
      await rm(this.path, { recursive: true, force: true });
    }
  }
}

/** mkdir of a job dir: afresh when it exists, with its parents when they do not. */
function makeDir(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") rmSync(path, { recursive: true, force: true });
    else if (code !== "ENOENT") throw error;
    mkdirSync(path, { recursive: true, mode: 0o700 });
  }
}

export function jobsRoot(stateDir: string): string {
  return join(stateDir, "jobs");
}

/** The job's directory, refusing any id that is not a plain name (no dots, slashes, or empties). */
export function jobDirPath(root: string, jobId: string): string {
  if (!SAFE_ID.test(jobId)) {
    throw new FlowyError(
      "invalid-request",
      `Job id ${JSON.stringify(jobId.slice(0, 140))} cannot name a job directory`,
      "Job ids are letters, digits, '-' and '_'; this server sent something else.",
    );
  }
  const base = resolve(root);
  const path = resolve(base, jobId);
  if (!path.startsWith(base + sep))
    throw new FlowyError("invalid-request", `Job id ${jobId} escapes ${base}`);
  return path;
}

/** The job ids that have a directory under the state dir (for reconcile). */
export async function listJobDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && SAFE_ID.test(e.name)).map((e) => e.name);
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}
