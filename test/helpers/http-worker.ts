/**
 * A minimal worker speaking the HTTP API (claim with wait_s, heartbeat, batch report), for tests
 * of the server that need real workers without the daemon. It fails over: when a server stops
 * answering it moves to the next one in `apis` and repeats the call there (reports carry their
 * lease tokens, so a repeat is safe). It records what it claimed and which completions the
 * server accepted, for the test to check.
 */
import { post } from "./http.ts";

export interface ClaimRecord {
  jobId: string;
  attempt: number;
  token: string;
  workerId: string;
}

export interface WorkerRecordings {
  claims: ClaimRecord[];
  /** Completions the server answered ok, with the token they were made under. */
  accepted: ClaimRecord[];
  failovers: number;
}

export interface HttpWorkerOptions {
  workerId: string;
  /** Servers to use, the first one preferred. */
  apis: string[];
  capacity: number;
  /** How long a job "runs" between its heartbeat and its completion. */
  workMs: number;
  stopped: () => boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runHttpWorker(options: HttpWorkerOptions): Promise<WorkerRecordings> {
  const rec: WorkerRecordings = { claims: [], accepted: [], failovers: 0 };
  let current = 0;
  /** Calls the current server; on a network failure moves to the next one and tries again. */
  const call = async (path: string, body: unknown) => {
    for (;;) {
      try {
        return await post(`${options.apis[current]}${path}`, body);
      } catch {
        current = (current + 1) % options.apis.length;
        rec.failovers++;
        await sleep(50);
      }
    }
  };
  const { workerId, capacity } = options;
  await call("/workers/register", { worker_id: workerId, capacity });
  while (!options.stopped()) {
    const claim = await call("/jobs/claim", { worker_id: workerId, capacity, wait_s: 1 });
    const jobs = (claim.body?.jobs ?? []) as Array<{ id: string; attempt: number; lease_token: string }>;
    if (jobs.length === 0) continue;
    const held = jobs.map((j) => ({ jobId: j.id, attempt: j.attempt, token: j.lease_token, workerId }));
    rec.claims.push(...held);
    await call("/jobs/report", { worker_id: workerId, items: held.map((h) => item("heartbeat", h)) });
    await sleep(options.workMs);
    const report = await call("/jobs/report", {
      worker_id: workerId,
      items: held.map((h) => item("complete", h)),
    });
    const results = (report.body?.results ?? []) as Array<{ ok: boolean }>;
    results.forEach((result, i) => {
      if (result.ok) rec.accepted.push(held[i]!);
    });
  }
  return rec;
}

function item(kind: "heartbeat" | "complete", held: ClaimRecord) {
  return {
    kind,
    job_id: held.jobId,
    lease_token: held.token,
    ...(kind === "complete" ? { exit_code: 0 } : {}),
  };
}
