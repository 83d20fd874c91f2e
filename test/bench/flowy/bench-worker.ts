/**
 * A flowy worker with a no-op runner, built from the daemon's own ServerClient and Reporter: it
 * claims with capacity = its free slots (long-poll), "runs" each job at once, and reports the
 * completions that finish within a few milliseconds in one POST /jobs/report. Only the
 * subprocess is left out. Hooks tell the scenario when each job was claimed and when its
 * completion was acknowledged.
 */
import { Reporter } from "../../../daemon/leases/reporter.ts";
import { ServerClient } from "../../../daemon/leases/server-client.ts";
import type { ClaimedJob } from "../../../shared/protocol.ts";

export interface WorkerHooks {
  onClaimed?: (job: ClaimedJob, at: number) => void;
  onCompleted?: (job: ClaimedJob, at: number) => void;
  onError?: (error: unknown) => void;
}

export interface BenchWorker {
  /** Resolves when the worker has stopped (after stop()). */
  done: Promise<void>;
  stop(): void;
}

const WAIT_S = 5;

export function startBenchWorker(
  server: string,
  workerId: string,
  capacity: number,
  hooks: WorkerHooks,
): BenchWorker {
  const client = new ServerClient({ server, workerId, userAgent: "flowy-bench" });
  const reporter = new Reporter({ send: (items) => client.report(items) });
  const abort = new AbortController();
  let running = 0;
  let slotFreed: (() => void) | undefined;

  const finish = (job: ClaimedJob) => {
    running--;
    slotFreed?.();
    reporter
      .send({ kind: "complete", job_id: job.id, lease_token: job.lease_token, exit_code: 0 })
      .then((result) => {
        if (!result.ok) throw new Error(`report of ${job.id} refused: ${JSON.stringify(result.error)}`);
        hooks.onCompleted?.(job, performance.now());
      })
      .catch((error: unknown) => hooks.onError?.(error));
  };

  const loop = async () => {
    while (!abort.signal.aborted) {
      if (running >= capacity) {
        await new Promise<void>((resolve) => {
          slotFreed = resolve;
        });
        slotFreed = undefined;
        continue;
      }
      let jobs: ClaimedJob[];
      try {
        jobs = await client.claim([], capacity - running, WAIT_S, abort.signal);
      } catch (error) {
        if (!abort.signal.aborted) hooks.onError?.(error);
        return;
      }
      const at = performance.now();
      for (const job of jobs) {
        running++;
        hooks.onClaimed?.(job, at);
        // The no-op runner: the job is done as soon as it starts.
        queueMicrotask(() => finish(job));
      }
    }
  };

  return {
    done: loop(),
    stop: () => {
      abort.abort();
      slotFreed?.();
    },
  };
}
