/**
 * flowy as a system under test: the real server binary on SQLite or PostgreSQL, jobs submitted over
 * POST /jobs, worked by bench workers that speak the daemon's protocol with a no-op runner.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpTransport } from "../../../client/transport.ts";
import { type BenchWorker, startBenchWorker, type WorkerHooks } from "../flowy/bench-worker.ts";
import { type ServerProcess, startServerProcess } from "../flowy/server-process.ts";
import { createScratchDatabase, type ScratchDatabase } from "../lib/postgres.ts";
import { forEachLimit } from "../lib/stats.ts";
import { DrainClock, type LatencySamples, type QueueSystem, type WorkerLayout } from "./queue-system.ts";

/** Submissions in flight at once while enqueueing. */
const SUBMIT_CONCURRENCY = 32;
const NOOP_SPEC = { command: ["true"] };

export interface FlowyOptions {
  db: "sqlite" | "postgres";
  serverNodeArgs?: string[];
}

export class FlowySystem implements QueueSystem {
  readonly name: string;
  server!: ServerProcess;
  private http!: HttpTransport;
  private dir: string | undefined;
  private database: ScratchDatabase | undefined;
  private readonly options: FlowyOptions;

  get serverPid(): number {
    return this.server.pid;
  }

  constructor(options: FlowyOptions) {
    this.options = options;
    this.name = `flowy (${options.db})`;
  }

  async start(): Promise<void> {
    let db: string;
    if (this.options.db === "postgres") {
      this.database = await createScratchDatabase("flowy");
      db = this.database.url;
    } else {
      this.dir = mkdtempSync(join(tmpdir(), "flowy-bench-"));
      db = join(this.dir, "flowy.db");
    }
    this.server = await startServerProcess({ db, nodeArgs: this.options.serverNodeArgs });
    this.http = new HttpTransport({ baseUrl: this.server.api, userAgent: "flowy-bench" });
  }

  submit(): Promise<unknown> {
    return this.http.json("POST", "/jobs", { body: { spec: NOOP_SPEC } });
  }

  async enqueue(n: number): Promise<void> {
    await forEachLimit(n, SUBMIT_CONCURRENCY, () => this.submit());
  }

  /** POST /jobs/batch: `per` jobs in one request and one transaction. */
  async enqueueBulk(n: number, per: number): Promise<void> {
    for (let done = 0; done < n; done += per) {
      const jobs = Array.from({ length: Math.min(per, n - done) }, () => ({ spec: NOOP_SPEC }));
      const answer = await this.http.json<{ results: Array<{ created?: boolean }> }>("POST", "/jobs/batch", {
        body: { jobs },
      });
      if (answer.results.some((r) => !r.created)) throw new Error("a batch submit left jobs out");
    }
  }

  async drain(n: number, layout: WorkerLayout): Promise<number> {
    const clock = new DrainClock(n);
    const workers = this.startWorkers(layout, {
      onClaimed: (_job, at) => clock.claimed(at),
      onCompleted: (_job, at) => clock.completedOne(at),
      onError: (error) => clock.fail(error),
    });
    try {
      return await clock.done;
    } finally {
      await stopAll(workers);
    }
  }

  async latency(n: number): Promise<LatencySamples> {
    const samples: LatencySamples = { claimed: [], completed: [] };
    let claimedAt = 0;
    let completed: ((at: number) => void) | undefined;
    const [worker] = this.startWorkers(
      { workers: 1, perWorker: 1 },
      {
        onClaimed: (_job, at) => {
          claimedAt = at;
        },
        onCompleted: (_job, at) => completed?.(at),
      },
    );
    for (let i = 0; i < n; i++) {
      const done = new Promise<number>((resolve) => {
        completed = resolve;
      });
      await this.submit();
      // The claim's answer can even arrive before the submit's (a hand-off answers both after one
      // commit): both are measured from the ack, and a claim seen first counts as 0, not less.
      const ackedAt = performance.now();
      const completedAt = await done;
      samples.claimed.push(Math.max(0, claimedAt - ackedAt));
      samples.completed.push(completedAt - ackedAt);
    }
    await stopAll([worker!]);
    return samples;
  }

  startWorkers(layout: WorkerLayout, hooks: WorkerHooks): BenchWorker[] {
    return Array.from({ length: layout.workers }, (_, i) =>
      startBenchWorker(this.server.url, `bench-${process.pid}-${i}`, layout.perWorker, hooks),
    );
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    await this.database?.drop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function stopAll(workers: BenchWorker[]): Promise<void> {
  for (const worker of workers) worker.stop();
  await Promise.all(workers.map((w) => w.done));
}
