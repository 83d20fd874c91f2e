/**
 * Reconcile on start: compare what the server thinks this worker holds with the job
 * directories left in the state dir by a previous daemon process.
 *
 * - held by us and staged with the same lease token: re-adopt (still running), or collect and
 *   report its result (ended while we were down); its lease is counted from before the question
 *   was sent, for the `lease_ms` the server says is left — one at its kill point or expired is
 *   not re-adopted but stopped at once and reported for a retry;
 * - held by us but not staged (or staged for another attempt): report it failed, retryable;
 * - staged but no longer ours (the lease ran out meanwhile): stop whatever still runs there and
 *   remove the directory — another worker may be running the job now.
 */
import type { Logger } from "pino";
import { JobDir, listJobDirs } from "./process/job-dir.ts";
import { stagedBundleDir } from "./bundles/job-bundle.ts";
import type { JobManager } from "./job-manager.ts";
import { JobRun, type RunContext } from "./job-run.ts";
import { setupFailure } from "./outcome.ts";
import { stopJobProcesses } from "./process/cgroup.ts";
import { isProcessAlive, signalGroup } from "./process/process-group.ts";
import type { ServerClient } from "./leases/server-client.ts";
import { runningTaskPids } from "./workflow/workflow-job.ts";

export interface ReconcileOptions {
  client: Pick<ServerClient, "running">;
  manager: Pick<JobManager, "adopt">;
  context: RunContext;
  logger: Logger;
}

export interface ReconcileSummary {
  readopted: number;
  vanished: number;
  discarded: number;
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileSummary> {
  const { client, manager, context, logger } = options;
  // The leases /jobs/running reports are counted from before it was asked (see LeaseKeeper).
  const askedAt = context.keeper.clock();
  const held = await client.running();
  const local = new Set(await listJobDirs(context.jobsRoot));
  const summary: ReconcileSummary = { readopted: 0, vanished: 0, discarded: 0 };
  for (const job of held) {
    local.delete(job.id);
    const run = new JobRun(job, context);
    let dir: JobDir;
    try {
      dir = new JobDir(context.jobsRoot, job.id);
    } catch (error) {
      const item = setupFailure(job, (error as Error).message, false);
      manager.adopt(run, () => context.report(item).then(() => context.keeper.untrack(job.id)));
      continue;
    }
    const staged = await dir.readStaged();
    if (staged?.job.lease_token !== job.lease_token) {
      if (staged) await discard(dir, context, logger);
      summary.vanished++;
    } else summary.readopted++;
    manager.adopt(
      run,
      (r) => r.runAdopted(dir, staged?.started_at ?? context.now(), askedAt),
      stagedBundleDir(staged?.job),
    );
  }
  for (const id of local) {
    await discard(new JobDir(context.jobsRoot, id), context, logger);
    summary.discarded++;
  }
  logger.info({ event: "reconciled", held: held.length, ...summary }, "reconciled with the server");
  return summary;
}

/** A job directory that is not (or no longer) ours: stop what runs there and remove it. */
async function discard(dir: JobDir, context: RunContext, logger: Logger): Promise<void> {
  // Only a pid that still names the process the job started is signaled (process-identity.ts).
  const pid = await dir.readTrustedPid();
  const staged = await dir.readStaged();
  const { containment } = context;
  const cgroup = staged && containment.pathFor(staged.job.id, staged.job.attempt);
  const alive = (pid !== undefined && isProcessAlive(pid)) || containment.isPopulated(cgroup);
  try {
    if (alive) await stopJobProcesses(pid ?? 0, containment, cgroup, context.killGraceMs);
    containment.kill(cgroup);
    containment.release(cgroup);
    // A workflow's tasks run in their own process groups: whatever its executor left running goes too.
    if (await dir.sameBoot())
      for (const taskPid of runningTaskPids(dir.path)) signalGroup(taskPid, "SIGKILL");
  } catch (error) {
    // EPERM: the pid is someone else's now. Not ours to stop, and no reason not to start.
    logger.warn(
      { event: "discard_failed", job_id: dir.jobId, pid, err: (error as Error).message },
      "could not stop what runs in a job directory left from before the restart",
    );
  }
  logger.warn(
    { event: "discarded", job_id: dir.jobId, pid, was_running: alive },
    "job directory left from before the restart is no longer ours: stopped and removed",
  );
  await dir.remove();
}
