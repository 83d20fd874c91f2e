/**
 * BullMQ on the local Redis (127.0.0.1:6379, as configured on this machine: no AOF, no RDB
 * snapshots). One queue per run, removed afterwards. BullMQ 6 from ESM takes constructed ioredis
 * clients; workers duplicate theirs for the blocking fetch.
 */
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { REDIS_URL } from "../lib/redis.ts";
import { forEachLimit } from "../lib/stats.ts";
import { DrainClock, type LatencySamples, type QueueSystem, type WorkerLayout } from "./queue-system.ts";

const SUBMIT_CONCURRENCY = 32;

export class BullmqSystem implements QueueSystem {
  readonly name = "BullMQ";
  private readonly queueName = `flowy-bench-${process.pid}-${Date.now().toString(36)}`;
  private connection!: Redis;
  private queue!: Queue;

  private redis(): Redis {
    return new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  }

  async start(): Promise<void> {
    this.connection = this.redis();
    this.queue = new Queue(this.queueName, { connection: this.connection });
    await this.queue.waitUntilReady();
  }

  async enqueue(n: number): Promise<void> {
    await forEachLimit(n, SUBMIT_CONCURRENCY, () => this.queue.add("noop", {}));
  }

  /** BullMQ's documented bulk path: addBulk, one MULTI per call. */
  async enqueueBulk(n: number, per: number): Promise<void> {
    for (let done = 0; done < n; done += per) {
      const size = Math.min(per, n - done);
      await this.queue.addBulk(Array.from({ length: size }, () => ({ name: "noop", data: {} })));
    }
  }

  private worker(concurrency: number, onProcess: () => void): Worker {
    return new Worker(
      this.queueName,
      async () => {
        onProcess();
      },
      { connection: this.redis(), concurrency },
    );
  }

  async drain(n: number, layout: WorkerLayout): Promise<number> {
    const clock = new DrainClock(n);
    const workers = Array.from({ length: layout.workers }, () => {
      const worker = this.worker(layout.perWorker, () => clock.claimed());
      worker.on("completed", () => clock.completedOne());
      worker.on("failed", (_job, error) => clock.fail(error));
      return worker;
    });
    try {
      return await clock.done;
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  }

  async latency(n: number): Promise<LatencySamples> {
    const samples: LatencySamples = { claimed: [], completed: [] };
    let claimedAt = 0;
    let completed: ((at: number) => void) | undefined;
    const worker = this.worker(1, () => {
      claimedAt = performance.now();
    });
    worker.on("completed", () => completed?.(performance.now()));
    await worker.waitUntilReady();
    for (let i = 0; i < n; i++) {
      const done = new Promise<number>((resolve) => {
        completed = resolve;
      });
      await this.queue.add("noop", {});
      const ackedAt = performance.now();
      const completedAt = await done;
      samples.claimed.push(claimedAt - ackedAt);
      samples.completed.push(completedAt - ackedAt);
    }
    await worker.close();
    return samples;
  }

  async stop(): Promise<void> {
    await this.queue.obliterate({ force: true });
    await this.queue.close();
    this.connection.disconnect();
  }
}
