/**
 * The server's Prometheus metrics: job counters fed by the service, HTTP durations, gauges read
 * when Prometheus scrapes (jobs by state, workers, the database pool, and the autoscaling series:
 * backlog per tag set, worker slots), and the process metrics
 * prom-client collects by default (CPU, memory, event-loop lag) under their standard names.
 */
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { StreamObserver } from "../http/sse.ts";
import type { JobObserver } from "../service/job-observer.ts";
import type { PoolStats } from "../store/store.ts";
import { type AutoscalingSources, registerAutoscalingGauges } from "./autoscaling-metrics.ts";
import { installHttpMetrics } from "./http-metrics.ts";
import { createJobMetrics } from "./job-metrics.ts";

/** What the scrape-time gauges read. */
export interface MetricsSources extends AutoscalingSources {
  jobsByState: () => Promise<Record<string, number>>;
  workersByStatus: () => Promise<{ active: number; lost: number }>;
  pausedTags: () => Promise<string[]>;
  /** Filled by stores that have a pool (PostgreSQL); absent on SQLite. */
  poolStats?: () => PoolStats | undefined;
}

export interface Metrics {
  observer: JobObserver;
  streams: StreamObserver;
  contentType: string;
  installHttp(app: FastifyInstance): void;
  render(): Promise<string>;
}

// Process metrics are facts about the process, not about one server instance: collected once
// into their own registry however many servers a process (a test) creates.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const observer = createJobMetrics(registry);
  const pool = { atScrapeStart: undefined as PoolStats | undefined };
  registerScrapeGauges(registry, sources, pool);
  const startScrape = registerAutoscalingGauges(registry, sources);
  const process = processMetrics();
  return {
    observer,
    streams: createStreamMetrics(registry),
    contentType: registry.contentType,
    installHttp: (app) => installHttpMetrics(app, registry),
    async render() {
      // Read before the scrape's own queries take pool clients: the gauges collect concurrently,
      // and those queries would show as `waiting` on an idle replica, firing any alert on it.
      pool.atScrapeStart = sources.poolStats?.();
      startScrape();
      return `${await registry.metrics()}\n${await process.metrics()}`;
    },
  };
}

function createStreamMetrics(registry: Registry): StreamObserver {
  const open = new Gauge({
    name: "flowy_sse_streams_open",
    help: "Live-view streams (GET /api/v1/events) open now.",
    registers: [registry],
  });
  const dropped = new Counter({
    name: "flowy_sse_streams_dropped_total",
    help: "Live-view streams dropped because the viewer stopped reading.",
    registers: [registry],
  });
  return { opened: () => open.inc(), closed: () => open.dec(), dropped: () => dropped.inc() };
}
function registerScrapeGauges(
  registry: Registry,
  sources: MetricsSources,
  snapshot: { atScrapeStart: PoolStats | undefined },
): void {
  const registers = [registry];
  new Gauge({
    name: "flowy_jobs",
    help: "Jobs by current state.",
    labelNames: ["state"],
    registers,
    async collect() {
      for (const [state, count] of Object.entries(await sources.jobsByState())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: "flowy_workers",
    help: "Workers by status (lost: no heartbeat for 60 s).",
    labelNames: ["status"],
    registers,
    async collect() {
      const workers = await sources.workersByStatus();
      this.set({ status: "active" }, workers.active);
      this.set({ status: "lost" }, workers.lost);
    },
  });
  new Gauge({
    name: "flowy_paused_tag",
    help: "1 for each paused tag (claims pass over jobs carrying it).",
    labelNames: ["tag"],
    registers,
    async collect() {
      // A resumed tag's series goes away rather than staying at its last value.
      this.reset();
      for (const tag of await sources.pausedTags()) this.set({ tag }, 1);
    },
  });
  new Gauge({
    name: "flowy_db_pool_connections",
    help: "Database pool connections by state (total, idle, waiting clients); PostgreSQL only.",
    labelNames: ["state"],
    registers,
    collect() {
      const pool = snapshot.atScrapeStart ?? sources.poolStats?.();
      if (!pool) return;
      this.set({ state: "total" }, pool.total);
      this.set({ state: "idle" }, pool.idle);
      this.set({ state: "waiting" }, pool.waiting);
    },
  });
}
