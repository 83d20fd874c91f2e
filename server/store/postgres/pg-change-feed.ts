/**
 * The change feed across replicas. Local subscribers hear a change at once (the in-process feed);
 * the change also goes out as a NOTIFY on the schema's channel, and every other replica LISTENing
 * there replays it to its own subscribers, so a submit on replica A wakes a claim long-polling on
 * replica B. One dedicated connection both listens and notifies; changes published in the same
 * turn of the event loop share one round trip. A notification is not durable: if the connection
 * drops, the feed reconnects and wakes every claim waiter so each looks again for what it missed.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { type ChangeFeed, createLocalChangeFeed, type JobChange } from "../../model/change-feed.ts";
import type { JobState } from "../../../shared/states.ts";
import { clientConfig, type PgTarget } from "./pg-config.ts";
import { sql } from "./pg-executor.ts";

/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7_500;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

// $1 channel, $2 payloads (text[]): one notification per payload.
const NOTIFY = sql("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p");
// No parameters: this session's backend pid, to recognise our own notifications.
const BACKEND_PID = sql("SELECT pg_backend_pid() AS pid");

/** A change on the wire: [job id, state, version, tags, kind?]. */
type WireChange = [string, JobState, number, string[], JobChange["kind"]?, string?];

/** Published locally after a reconnect, when notifications may have been missed. */
const RESYNC: JobChange = { jobId: "", state: "pending", version: 0, tags: [], kind: "resync" };

export interface PgChangeFeedOptions {
  /** Told about connection trouble (the feed keeps retrying on its own). */
  onError?: (error: unknown, context: string) => void;
}

export function channelFor(schema: string): string {
  const channel = `flowy_changes.${schema}`;
  // Identifiers longer than 63 bytes would be truncated differently by LISTEN and pg_notify.
  return channel.length <= 63 ? channel : `flowy_changes.${createHash("sha1").update(schema).digest("hex")}`;
}

export async function createPgChangeFeed(
  target: PgTarget,
  options: PgChangeFeedOptions = {},
): Promise<ChangeFeed> {
  const feed = new PgChangeFeed(target, options);
  await feed.connect();
  return feed;
}

class PgChangeFeed implements ChangeFeed {
  private readonly local = createLocalChangeFeed();
  private readonly target: PgTarget;
  private readonly channel: string;
  private readonly onError: (error: unknown, context: string) => void;
  private client: pg.Client | undefined;
  private pid = 0;
  private outbox: JobChange[] = [];
  private flushScheduled = false;
  /** The NOTIFYs sent so far, in order; close() waits for them. */
  private sent: Promise<void> = Promise.resolve();
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(target: PgTarget, options: PgChangeFeedOptions) {
    this.target = target;
    this.channel = channelFor(target.schema);
    this.onError = options.onError ?? (() => undefined);
  }

  publish(changes: JobChange[]): void {
    this.local.publish(changes);
    this.outbox.push(...changes);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate lets the other writes of this turn join the same NOTIFY round trip.
    setImmediate(() => {
      this.flushScheduled = false;
      this.sent = this.sent.then(() => this.flush());
    });
  }

  subscribe(listener: (change: JobChange) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await this.sent;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
    await this.local.close();
  }

  async connect(): Promise<void> {
    const client = new pg.Client(clientConfig(this.target, "flowy-server change feed"));
    client.on("notification", (message) => this.onNotification(message));
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, new Error("connection closed")));
    try {
      await client.connect();
      const [row] = (await client.query(BACKEND_PID)).rows as Array<{ pid: number }>;
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
      this.pid = row?.pid ?? 0;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
  }

  private async flush(): Promise<void> {
    const changes = this.outbox;
    this.outbox = [];
    if (changes.length === 0 || !this.client) return;
    try {
      await this.client.query({ ...NOTIFY, values: [this.channel, toPayloads(changes)] });
    } catch (error) {
      // Waiters on other replicas look again on reconnect, or when their wait_s passes.
      this.onError(error, "notify failed");
    }
  }

  private onNotification(message: pg.Notification): void {
    if (message.processId === this.pid || !message.payload) return;
    try {
      const wire = JSON.parse(message.payload) as WireChange[];
      this.local.publish(wire.map(fromWire));
    } catch (error) {
      this.onError(error, "bad notification payload");
    }
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.onError(error, "change feed connection lost; reconnecting");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => this.local.publish([RESYNC]),
        (error: unknown) => {
          this.onError(error, "change feed reconnect failed");
          this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2);
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
  }
}

function toWire(change: JobChange): WireChange {
  const wire: WireChange = [change.jobId, change.state, change.version, change.tags];
  if (change.kind) wire.push(change.kind);
  if (change.kind && change.workerId) wire.push(change.workerId);
  return wire;
}

function fromWire([jobId, state, version, tags, kind, workerId]: WireChange): JobChange {
  if (!kind) return { jobId, state, version, tags };
  return workerId ? { jobId, state, version, tags, kind, workerId } : { jobId, state, version, tags, kind };
}

/** Packs changes into as few JSON payloads as fit under the NOTIFY size limit. */
export function toPayloads(changes: JobChange[]): string[] {
  const payloads: string[] = [];
  let batch: string[] = [];
  let size = 2;
  for (const change of changes) {
    let item = JSON.stringify(toWire(change));
    // A change too big for one notification loses its tags: it then wakes every claim waiter,
    // which is only extra work (the claim itself matches tags).
    if (Buffer.byteLength(item) > MAX_PAYLOAD - 2) item = JSON.stringify(toWire({ ...change, tags: [] }));
    const bytes = Buffer.byteLength(item);
    if (batch.length > 0 && size + bytes + 1 > MAX_PAYLOAD) {
      payloads.push(`[${batch.join(",")}]`);
      batch = [];
      size = 2;
    }
    batch.push(item);
    size += bytes + 1;
  }
  if (batch.length > 0) payloads.push(`[${batch.join(",")}]`);
  return payloads;
}
