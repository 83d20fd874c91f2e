/**
 * The worker side's two calls, shaped like the daemon's ServerClient (claim with capacity = free
 * slots and a long-poll wait; one POST /jobs/report for many outcomes), on the shared HttpTransport
 * the daemon builds on: the real HTTP path, not a shortcut into the store.
 */
import { HttpTransport } from "../../../client/transport.ts";
import type { ClaimedJob, ReportItem, ReportResult } from "../../../shared/protocol.ts";

export interface WorkerClient {
  claim(tags: string[], capacity: number, waitS: number, signal?: AbortSignal): Promise<ClaimedJob[]>;
  report(items: ReportItem[]): Promise<ReportResult[]>;
}

export function createWorkerClient(api: string, workerId: string): WorkerClient {
  const http = new HttpTransport({ baseUrl: api, timeoutMs: 30_000, userAgent: "flowy-bench" });
  return {
    async claim(tags, capacity, waitS, signal) {
      const answer = await http.json<{ jobs: ClaimedJob[] }>("POST", "/jobs/claim", {
        body: { worker_id: workerId, tags, capacity, wait_s: waitS },
        signal,
      });
      return answer.jobs;
    },
    async report(items) {
      const answer = await http.json<{ results: ReportResult[] }>("POST", "/jobs/report", {
        body: { worker_id: workerId, items },
      });
      return answer.results;
    },
  };
}
