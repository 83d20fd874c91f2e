/**
 * Server-sent events of job changes for live views. Changes are coalesced per connection (the
 * latest per job, flushed every `flushMs`) so a busy queue costs each viewer a few small messages
 * a second rather than one per write. A comment line every `pingMs` keeps proxies from timing the
 * stream out. Open streams end when the server closes, so shutdown does not wait for viewers.
 *
 * Backpressure: nothing is written while the socket has not drained; changes keep coalescing
 * meanwhile (one entry per job). A viewer that stays stalled for `stallMs`, or whose backlog
 * passes `maxPendingChanges` jobs while stalled, is dropped: its memory must not grow with the
 * queue. Streams are capped per key and in total; past a cap the answer is 503 with Retry-After.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { FlowyError } from "../../shared/errors.ts";
import type { ChangeListener, JobChange } from "../service/change-feed.ts";

export interface SseOptions {
  flushMs: number;
  pingMs: number;
  /** Streams one key (or, on an open server, one address) may hold open. */
  maxPerKey: number;
  /** Streams the server holds open in all. */
  maxTotal: number;
  /** How long a viewer may leave its socket undrained before it is dropped. */
  stallMs: number;
  /** How many jobs' changes may wait for a stalled viewer before it is dropped. */
  maxPendingChanges: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = {
  flushMs: 250,
  pingMs: 15_000,
  maxPerKey: 32,
  maxTotal: 512,
  stallMs: 30_000,
  maxPendingChanges: 10_000,
};

/** What the metrics count of the streams. */
export interface StreamObserver {
  opened(): void;
  closed(): void;
  dropped(): void;
}

/** The wire form of one change: `kind: "log"` when only the job's log grew. */
interface WireChange {
  id: string;
  state: string;
  version: number;
  kind?: "log";
}

export class ChangeStreams {
  private readonly open = new Set<() => void>();
  private readonly perKey = new Map<string, number>();
  private readonly options: SseOptions;
  private readonly observer: StreamObserver | undefined;
  private readonly log: FastifyInstance["log"];

  constructor(app: FastifyInstance, options: Partial<SseOptions> = {}, observer?: StreamObserver) {
    this.options = { ...DEFAULT_SSE_OPTIONS, ...options };
    this.observer = observer;
    this.log = app.log;
    app.addHook("preClose", (done) => {
      for (const end of this.open) end();
      done();
    });
  }

  /** Refuses a stream past the caps; call before taking the reply over. */
  admit(key: string): void {
    const retry = { retry_after_s: 5 };
    if (this.open.size >= this.options.maxTotal) {
      throw new FlowyError(
        "unavailable",
        `The server already streams to ${this.open.size} viewers, its limit`,
        "Retry later, or close other live views.",
        retry,
      );
    }
    if ((this.perKey.get(key) ?? 0) >= this.options.maxPerKey) {
      throw new FlowyError(
        "unavailable",
        `This key already holds ${this.options.maxPerKey} live streams, its limit`,
        "Close other live views (browser tabs) that use this key, then retry.",
        retry,
      );
    }
  }

  /** Takes over the reply and streams changes until the client or the server hangs up. */
  stream(reply: FastifyReply, key: string, watch: (listener: ChangeListener) => () => void): void {
    this.admit(key);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    let stalledSince: number | undefined;
    const send = (text: string) => {
      if (!raw.write(text)) stalledSince ??= Date.now();
    };
    raw.on("drain", () => {
      stalledSince = undefined;
    });
    send("retry: 2000\n: flowy job changes\n\n");
    let pending = new Map<string, WireChange>();
    const flush = () => {
      if (stalledSince !== undefined) {
        const stalledFor = Date.now() - stalledSince;
        if (stalledFor > this.options.stallMs || pending.size > this.options.maxPendingChanges) drop();
        return;
      }
      if (pending.size === 0) return;
      send(`event: jobs\ndata: ${JSON.stringify([...pending.values()])}\n\n`);
      pending = new Map();
    };
    // A freed concurrency slot is news for claims only; it names no job.
    const unsubscribe = watch((change) => change.kind !== "slot" && merge(pending, change));
    const flusher = setInterval(flush, this.options.flushMs);
    const pinger = setInterval(() => stalledSince === undefined && send(": ping\n\n"), this.options.pingMs);
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    this.observer?.opened();
    const end = () => {
      if (!this.open.delete(end)) return;
      clearInterval(flusher);
      clearInterval(pinger);
      unsubscribe();
      pending = new Map();
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
      this.observer?.closed();
      if (!raw.writableEnded) raw.end();
    };
    const drop = () => {
      this.log.warn(
        { pending_changes: pending.size, buffered_bytes: raw.writableLength },
        "dropped a live viewer that stopped reading",
      );
      this.observer?.dropped();
      end();
      raw.destroy();
    };
    this.open.add(end);
    raw.once("close", end);
  }
}

/** Keeps the latest change per job; a state change outranks a log-only one. */
function merge(pending: Map<string, WireChange>, change: JobChange): void {
  if (change.kind === "drain") return; // about a worker, not a job
  const before = pending.get(change.jobId);
  const logOnly = change.kind === "log" && (before === undefined || before.kind === "log");
  pending.set(change.jobId, {
    id: change.jobId,
    state: change.state,
    version: Math.max(change.version, before?.version ?? 0),
    ...(logOnly ? { kind: "log" as const } : {}),
  });
}
