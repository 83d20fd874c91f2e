/**
 * graphile-worker on the local PostgreSQL, in a fresh database. Workers use its documented
 * throughput features at the same settings flowy's worker uses: a local queue of 8 jobs per
 * runner (batch fetch) and batched completion. It deletes a job when it completes, so the
 * acknowledged completion of the last job is when the jobs table is empty.
 */
import { Logger, makeWorkerUtils, type Runner, run, type WorkerUtils } from "graphile-worker";
import type pg from "pg";
import { createScratchDatabase, quietPool, type ScratchDatabase } from "../lib/postgres.ts";
import { forEachLimit } from "../lib/stats.ts";
import { waitUntil } from "../lib/wait-until.ts";
import { DrainClock, type LatencySamples, type QueueSystem, type WorkerLayout } from "./queue-system.ts";

const SUBMIT_CONCURRENCY = 32;
const silent = new Logger(() => () => {});

export class GraphileWorkerSystem implements QueueSystem {
  readonly name = "graphile-worker";
  private database!: ScratchDatabase;
  private utils!: WorkerUtils;
  private pool!: pg.Pool;
  private utilsPool!: pg.Pool;

  async start(): Promise<void> {
    this.database = await createScratchDatabase("graphile");
    this.utilsPool = quietPool(this.database.url, 10);
    this.utils = await makeWorkerUtils({ pgPool: this.utilsPool, logger: silent });
    await this.utils.migrate();
    this.pool = quietPool(this.database.url, 2);
  }

  async enqueue(n: number): Promise<void> {
    await forEachLimit(n, SUBMIT_CONCURRENCY, () => this.utils.addJob("noop", {}));
  }

  /** Each runner gets a pool of its own, ended by us before the database is dropped. */
  private async runner(concurrency: number, onTask: () => void, batched: boolean): Promise<Runner> {
    const pgPool = quietPool(this.database.url, concurrency + 2);
    const runner = await run({
      pgPool,
      concurrency,
      noHandleSignals: true,
      logger: silent,
      taskList: {
        noop: async () => {
          onTask();
        },
      },
      preset: batched ? { worker: { localQueue: { size: concurrency }, completeJobBatchDelay: 2 } } : {},
    });
    const stop = runner.stop.bind(runner);
    runner.stop = async () => {
      await stop();
      await pgPool.end();
    };
    return runner;
  }

  private async jobsLeft(): Promise<number> {
    const { rows } = await this.pool.query("SELECT count(*)::int AS n FROM graphile_worker._private_jobs");
    return rows[0].n as number;
  }

  async drain(n: number, layout: WorkerLayout): Promise<number> {
    const clock = new DrainClock(n);
    const runners = await Promise.all(
      Array.from({ length: layout.workers }, () =>
        this.runner(layout.perWorker, () => clock.claimed(), true),
      ),
    );
    try {
      const doneAt = await waitUntil(async () => (await this.jobsLeft()) === 0, 20);
      clock.completedAll(doneAt);
      return await clock.done;
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  }

  async latency(n: number): Promise<LatencySamples> {
    const samples: LatencySamples = { claimed: [], completed: [] };
    let claimedAt = 0;
    const runner = await this.runner(1, () => (claimedAt = performance.now()), false);
    for (let i = 0; i < n; i++) {
      const job = await this.utils.addJob("noop", {});
      const ackedAt = performance.now();
      const completedAt = await waitUntil(async () => {
        const { rowCount } = await this.pool.query(
          "SELECT 1 FROM graphile_worker._private_jobs WHERE id = $1",
          [job.id],
        );
        return rowCount === 0;
      }, 1);
      samples.claimed.push(claimedAt - ackedAt);
      samples.completed.push(completedAt - ackedAt);
    }
    await runner.stop();
    return samples;
  }

  async stop(): Promise<void> {
    await this.utils?.release();
    await this.utilsPool?.end();
    await this.pool?.end();
    await this.database?.drop();
  }
}
