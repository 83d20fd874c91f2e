/**
 * pg-boss 12.35 on the local PostgreSQL, in a fresh database, with its documented throughput and
 * latency features on: LISTEN/NOTIFY wake-ups, batch fetch of 8 per worker, continuous fetching
 * while batches come back full. A job's acknowledged completion is its row in state 'completed'.
 */
import { PgBoss } from "pg-boss";
import type pg from "pg";
import { createScratchDatabase, quietPool, type ScratchDatabase } from "../lib/postgres.ts";
import { forEachLimit } from "../lib/stats.ts";
import { waitUntil } from "../lib/wait-until.ts";
import { DrainClock, type LatencySamples, type QueueSystem, type WorkerLayout } from "./queue-system.ts";

const SUBMIT_CONCURRENCY = 32;
const QUEUE = "noop";

export class PgBossSystem implements QueueSystem {
  readonly name = "pg-boss";
  private database!: ScratchDatabase;
  private boss!: PgBoss;
  private pool!: pg.Pool;

  async start(): Promise<void> {
    this.database = await createScratchDatabase("pgboss");
    this.boss = new PgBoss({ connectionString: this.database.url, useListenNotify: true, max: 12 });
    this.boss.on("error", () => {
      // Errors surface as failed or missing completions, which the scenario reports.
    });
    await this.boss.start();
    await this.boss.createQueue(QUEUE, { notify: true });
    this.pool = quietPool(this.database.url, 2);
  }

  async enqueue(n: number): Promise<void> {
    await forEachLimit(n, SUBMIT_CONCURRENCY, () => this.boss.send(QUEUE, {}));
  }

  private async completedCount(): Promise<number> {
    const { rows } = await this.pool.query(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'",
      [QUEUE],
    );
    return rows[0].n as number;
  }

  async drain(n: number, layout: WorkerLayout): Promise<number> {
    const clock = new DrainClock(n);
    const id = await this.boss.work(
      QUEUE,
      { batchSize: layout.perWorker, localConcurrency: layout.workers, burstWhenBatchFull: true },
      async () => clock.claimed(),
    );
    try {
      const doneAt = await waitUntil(async () => (await this.completedCount()) >= n, 20);
      clock.completedAll(doneAt);
      return await clock.done;
    } finally {
      await this.boss.offWork(QUEUE, { id });
    }
  }

  async latency(n: number): Promise<LatencySamples> {
    const samples: LatencySamples = { claimed: [], completed: [] };
    let claimedAt = 0;
    const id = await this.boss.work(QUEUE, { batchSize: 1 }, async () => {
      claimedAt = performance.now();
    });
    for (let i = 0; i < n; i++) {
      const jobId = await this.boss.send(QUEUE, {});
      const ackedAt = performance.now();
      const completedAt = await waitUntil(async () => {
        const { rowCount } = await this.pool.query(
          "SELECT 1 FROM pgboss.job WHERE name = $1 AND id = $2 AND state = 'completed'",
          [QUEUE, jobId],
        );
        return rowCount === 1;
      }, 1);
      samples.claimed.push(claimedAt - ackedAt);
      samples.completed.push(completedAt - ackedAt);
    }
    await this.boss.offWork(QUEUE, { id });
    return samples;
  }

  async stop(): Promise<void> {
    await this.boss?.stop({ graceful: false });
    await this.pool?.end();
    await this.database?.drop();
  }
}
