/**
 * A worker played by the test through the worker API (claim, logs, heartbeat, complete, failed),
 * for client tests that need a job to move while the client watches, without a daemon.
 */
import type { ClaimedJob } from "../../shared/protocol.ts";
import { post } from "./http.ts";

export interface FakeWorker {
  register(tags?: string[]): Promise<void>;
  /** Long-polls for the next job (up to `waitS`); throws when none came. */
  claim(waitS?: number): Promise<ClaimedJob>;
  log(job: ClaimedJob, offset: number, data: string): Promise<void>;
  heartbeat(job: ClaimedJob, tasks?: unknown[]): Promise<void>;
  complete(job: ClaimedJob, result?: Record<string, unknown>): Promise<void>;
  fail(
    job: ClaimedJob,
    failure: { message: string; exit_code?: number; stderr_tail?: string },
  ): Promise<void>;
}

export function fakeWorker(api: string, workerId = "test-worker"): FakeWorker {
  const lease = (job: ClaimedJob) => ({ worker_id: workerId, lease_token: job.lease_token });
  const ok = async (what: string, call: Promise<{ status: number; body: unknown }>) => {
    const response = await call;
    if (response.status >= 300)
      throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  };
  return {
    register: (tags = []) =>
      ok(
        "register",
        post(`${api}/workers/register`, { worker_id: workerId, tags, capacity: 2, hostname: "test-host" }),
      ),
    async claim(waitS = 10) {
      const response = await post(`${api}/jobs/claim`, { worker_id: workerId, capacity: 1, wait_s: waitS });
      const job = response.body?.jobs?.[0] as ClaimedJob | undefined;
      if (!job) throw new Error(`no job to claim within ${waitS}s: ${JSON.stringify(response.body)}`);
      return job;
    },
    log: (job, offset, data) =>
      ok("log", post(`${api}/jobs/${job.id}/logs`, { ...lease(job), offset, data })),
    heartbeat: (job, tasks) =>
      ok(
        "heartbeat",
        post(`${api}/jobs/${job.id}/heartbeat`, { ...lease(job), ...(tasks ? { tasks } : {}) }),
      ),
    complete: (job, result = {}) =>
      ok("complete", post(`${api}/jobs/${job.id}/complete`, { ...lease(job), ...result })),
    fail: (job, failure) => ok("failed", post(`${api}/jobs/${job.id}/failed`, { ...lease(job), ...failure })),
  };
}
