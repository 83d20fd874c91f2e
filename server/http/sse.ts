/**
 * Server-sent events of job changes for live views. Changes are coalesced per connection (the
 * latest per job, flushed every `flushMs`) so a busy queue costs each viewer a few small messages
 * a second rather than one per write. A comment line every `pingMs` keeps proxies from timing the
 * stream out. Open streams end when the server closes, so shutdown does not wait for viewers.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ChangeListener, JobChange } from "../service/change-feed.ts";

export interface SseOptions {
  flushMs: number;
  pingMs: number;
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
  private readonly options: SseOptions;

  constructor(app: FastifyInstance, options: SseOptions) {
    this.options = options;
    app.addHook("preClose", (done) => {
      for (const end of this.open) end();
      done();
    });
  }

  /** Takes over the reply and streams changes until the client or the server hangs up. */
  stream(reply: FastifyReply, watch: (listener: ChangeListener) => () => void): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    raw.write("retry: 2000\n: flowy job changes\n\n");
    let pending = new Map<string, WireChange>();
    const flush = () => {
      if (pending.size === 0) return;
      raw.write(`event: jobs\ndata: ${JSON.stringify([...pending.values()])}\n\n`);
      pending = new Map();
    };
    // A freed concurrency slot is news for claims only; it names no job.
    const unsubscribe = watch((change) => change.kind !== "slot" && merge(pending, change));
    const flusher = setInterval(flush, this.options.flushMs);
    const pinger = setInterval(() => raw.write(": ping\n\n"), this.options.pingMs);
    const end = () => {
      this.open.delete(end);
      clearInterval(flusher);
      clearInterval(pinger);
      unsubscribe();
      if (!raw.writableEnded) raw.end();
    };
    this.open.add(end);
    raw.once("close", end);
  }
}

/** Keeps the latest change per job; a state change outranks a log-only one. */
function merge(pending: Map<string, WireChange>, change: JobChange): void {
  const before = pending.get(change.jobId);
  const logOnly = change.kind === "log" && (before === undefined || before.kind === "log");
  pending.set(change.jobId, {
    id: change.jobId,
    state: change.state,
    version: Math.max(change.version, before?.version ?? 0),
    ...(logOnly ? { kind: "log" as const } : {}),
  });
}
