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
 *   exit_status    the command's exit status, written by the shim when the command ends
 *   log-offsets    how much of output.log the server has (file bytes -> server bytes)
 *   result.json    the outcome the daemon decided to report, kept until the server accepts it
 *
 * The directory is named by the job id only after checking the id is a plain name, so nothing a
 * job says can make the daemon write outside its own directory.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm, rmdir, unlink } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { FlowyError } from "../../shared/errors.ts";
import type { ClaimedJob, ReportItem } from "../../shared/protocol.ts";

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export const FILES = {
  job: "job.json",
  inputs: "inputs.json",
  outputs: "outputs.json",
  log: "output.log",
  run: "run",
  pid: "pid",
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
  async stage(job: ClaimedJob, startedAt: number): Promise<void> {
    makeDir(this.path);
    const staged: StagedJob = { job, started_at: startedAt };
    writeFileSync(this.file("job"), JSON.stringify(staged));
    writeFileSync(this.file("inputs"), JSON.stringify(job.inputs ?? {}));
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

  /** Saves the outcome until the server accepts it; a job that never got a directory has none to save. */
  async writeResult(item: ReportItem): Promise<void> {
    try {
      writeFileSync(this.file("result"), JSON.stringify(item));
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
