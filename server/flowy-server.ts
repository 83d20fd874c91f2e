/**
 * Wires one flowy server: store → change feed → services → reaper → HTTP app, and takes it down in
 * the reverse order so in-flight requests finish and the database is checkpointed.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS } from "../shared/retry-policy.ts";
import type { DashboardLangSetting } from "./http/dashboard/language.ts";
import { createApp } from "./http/app.ts";
import type { SseOptions } from "./http/sse.ts";
import type { TrustProxy } from "./http/trust-proxy.ts";
import type { Leadership } from "./model/leadership.ts";
import { WORKER_LOST_AFTER_MS } from "./http/wire.ts";
import { BACKLOG_TAG_SETS } from "./metrics/autoscaling-metrics.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { type ChangeFeed, createLocalChangeFeed } from "./service/change-feed.ts";
import { ClaimWaiters } from "./service/claim-waiters.ts";
import { type Clock, systemClock } from "./service/clock.ts";
import { BulkActions } from "./service/bulk-actions.ts";
import { JobService } from "./service/job-service.ts";
import { JobWriter } from "./service/job-writer.ts";
import { KeyService } from "./service/key-service.ts";
import { BundleService } from "./service/bundle-service.ts";
import { LeaseService } from "./service/lease-service.ts";
import { ExplainService } from "./service/explain-service.ts";
import { LimitService } from "./service/limit-service.ts";
import { PauseService } from "./service/pause-service.ts";
import { Reaper } from "./service/reaper.ts";
import { ScheduleService } from "./service/schedule-service.ts";
import { ScheduleTicker } from "./service/schedule-ticker.ts";
import { WorkerControl } from "./service/worker-control.ts";
import type { JobDefaults } from "./service/submit-plan.ts";
import type { Store, WorkerRecord } from "./store/store.ts";

export const FLOWY_VERSION = "0.1.0";

export interface FlowyServerOptions {
  store: Store;
  logger: Logger;
  clock?: Clock;
  feed?: ChangeFeed;
  /** Replicas elect who runs the reaper; without it this server always does. */
  leadership?: Leadership;
  defaults?: Partial<JobDefaults>;
  reaperIntervalMs?: number;
  /** How often the schedule ticker looks for schedules made on other replicas (default 1 s). */
  scheduleIntervalMs?: number;
  /** Finished jobs older than this are removed; null or 0 keeps them forever. */
  retainFinishedMs?: number | null;
  dashboardLang?: DashboardLangSetting;
  /** Reverse proxies whose X-Forwarded-For/-Proto to believe (see AppOptions.trustProxy). */
  trustProxy?: TrustProxy;
  /** Caps and stall limits of live-view streams (sse.ts). */
  streamLimits?: Partial<SseOptions>;
  /** Each attempt's log is cut at this many bytes (default 64 MiB). */
  maxLogBytes?: number;
  /** A claim answer's jobs stay under this many bytes (default 32 MiB); the rest wait. */
  maxClaimAnswerBytes?: number;
  /** Require keys from the start whatever the key table holds (see KeyServiceOptions). */
  requireKeys?: boolean;
  /** The largest bundle archive accepted, in bytes (default 256 MiB). */
  bundleMaxBytes?: number;
}

export interface FlowyServer {
  app: FastifyInstance;
  store: Store;
  reaper: Reaper;
  schedules: ScheduleService;
  ticker: ScheduleTicker;
  jobs: JobService;
  leases: LeaseService;
  keys: KeyService;
  /** Long-polling claims waiting for a job now (a test waits on it instead of sleeping). */
  waitingClaims(): number;
  bundles: BundleService;
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_JOB_DEFAULTS: JobDefaults = {
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  backoff: DEFAULT_BACKOFF,
  leaseS: 60,
  timeoutS: null,
};

export async function createFlowyServer(options: FlowyServerOptions): Promise<FlowyServer> {
  const { store, logger } = options;
  const clock = options.clock ?? systemClock;
  const feed = options.feed ?? createLocalChangeFeed();
  // The gauges read the job service when scraped, long after it exists.
  const metrics = createMetrics({
    jobsByState: async () => (await jobs.stats()).states,
    workersByStatus: async () => countWorkers(await jobs.workers(), clock()),
    pausedTags: async () => (await pauses.list()).map((p) => p.tag),
    poolStats: store.poolStats?.bind(store),
    backlog: () => store.backlogByTags(BACKLOG_TAG_SETS),
    workers: () => jobs.workers(),
    now: clock,
  });
  const writer = new JobWriter(store, feed, clock, metrics.observer);
  const waiters = new ClaimWaiters(feed);
  // Only SQLite's writes of one event-loop turn share a commit, which is what a hand-off rides on.
  const handOff = store.kind === "sqlite" ? waiters : undefined;
  const defaults = { ...DEFAULT_JOB_DEFAULTS, ...options.defaults };
  const jobs = new JobService(store, writer, feed, defaults, handOff);
  const schedules = new ScheduleService(store, writer, jobs, defaults, logger);
  // Every replica ticks: a tick is written once whoever fires it (schedule-store.ts).
  const ticker = new ScheduleTicker(schedules, clock, {
    intervalMs: options.scheduleIntervalMs ?? 1000,
    logger,
  });
  schedules.onSooner = () => ticker.poke();
  const leases = new LeaseService(store, writer, waiters, {
    maxLogBytes: options.maxLogBytes,
    maxClaimAnswerBytes: options.maxClaimAnswerBytes,
  });
  const bulk = new BulkActions(store, writer);
  const keys = new KeyService(store, clock, { requireKeys: options.requireKeys });
  const control = new WorkerControl(store, writer, feed);
  const bundles = new BundleService(store, clock, options.bundleMaxBytes);
  const pauses = new PauseService(store, feed, clock, logger);
  const limits = new LimitService(store, feed, clock, logger);
  const explain = new ExplainService(store, clock);
  const { leadership } = options;
  const reaper = new Reaper(store, writer, {
    intervalMs: options.reaperIntervalMs ?? 1000,
    retainMs: options.retainFinishedMs ?? null,
    logger,
    isLeader: leadership && (() => leadership.isLeader()),
  });
  const app = await createApp(
    {
      jobs,
      bulk,
      leases,
      keys,
      control,
      bundles,
      pauses,
      limits,
      explain,
      schedules,
      clock,
      metrics,
      streamLimits: options.streamLimits,
      ready: async () => {
        if (store.failure?.()) return false;
        // A primary-key read: proves the database answers without scanning anything.
        await store.getJob("readyz");
        return true;
      },
    },
    {
      logger,
      version: FLOWY_VERSION,
      dashboardLang: options.dashboardLang,
      trustProxy: options.trustProxy,
      httpMetrics: (app) => metrics.installHttp(app),
    },
  );
  let closing: Promise<void> | undefined;

  return {
    app,
    store,
    reaper,
    schedules,
    ticker,
    jobs,
    leases,
    keys,
    waitingClaims: () => waiters.size,
    bundles,
    async listen(host, port) {
      const address = await app.listen({ host, port });
      const swept = await bundles.sweepAbandoned();
      if (swept > 0) logger.info({ chunks: swept }, "removed chunks of bundle uploads a crash cut short");
      reaper.start();
      ticker.start();
      return address;
    },
    close() {
      closing ??= (async () => {
        waiters.close();
        control.close();
        await reaper.stop();
        await ticker.stop();
        await leadership?.close();
        await app.close();
        await feed.close();
        await store.close();
      })();
      return closing;
    },
  };
}

function countWorkers(workers: WorkerRecord[], now: number): { active: number; lost: number } {
  const lost = workers.filter((w) => now - w.lastSeenAt > WORKER_LOST_AFTER_MS).length;
  return { active: workers.length - lost, lost };
}
