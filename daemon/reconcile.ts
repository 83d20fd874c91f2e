/**
 * Reconcile on start: compare what the server thinks this worker holds with the job
 * directories left in the state dir by a previous daemon process.
 *
 * - held by us and staged with the same lease token: re-adopt (still running), or collect and
 *   report its result (ended while we were down);
 * - held by us but not staged (or staged for another attempt): report it failed, retryable;
 * - staged but no longer ours (the lease ran out meanwhile): stop whatever still runs there and
 *   remove the directory — another worker may be running the job now.
 */
import type { Logger } from "pino";
import { JobDir, listJobDirs } from "./process/job-dir.ts";
import type { JobManager } from "./job-manager.ts";
import { JobRun, type RunContext } from "./job-run.ts";
import { setupFailure } from "./outcome.ts";
import { isProcessAlive, signalGroup, stopGroup } from "./process/process-group.ts";
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
      if (staged) await discard(dir, context.killGraceMs, logger);
      summary.vanished++;
    } else summary.readopted++;
    manager.adopt(run, (r) => r.runAdopted(dir, staged?.started_at ?? context.now()));
  }
  for (const id of local) {
    await discard(new JobDir(context.jobsRoot, id), context.killGraceMs, logger);
    summary.discarded++;
  }
  logger.info({ event: "reconciled", held: held.length, ...summary }, "reconciled with the server");
  return summary;
}

/** A job directory that is not (or no longer) ours: stop what runs there and remove it. */
async function discard(dir: JobDir, graceMs: number, logger: Logger): Promise<void> {
  const pid = await dir.readPid();
  const alive = pid !== undefined && isProcessAlive(pid);
  if (alive) await stopGroup(pid, graceMs);
  // A workflow's tasks run in their own process groups: whatever its executor left running goes too.
  for (const taskPid of runningTaskPids(dir.path)) signalGroup(taskPid, "SIGKILL");
  logger.warn(
    { event: "discarded", job_id: dir.jobId, pid, was_running: alive },
    "job directory left from before the restart is no longer ours: stopped and removed",
  );
  await dir.remove();
}
