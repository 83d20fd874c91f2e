/**
 * A real flowy server on a free port with a real SQLite file, in this process, so tests can also
 * drive its clock and reaper. Closed when the test finishes.
 */
import type { TrustProxy } from "../../server/http/trust-proxy.ts";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { createLogger } from "../../shared/logging.ts";
import { createFlowyServer, type FlowyServer, type FlowyServerOptions } from "../../server/flowy-server.ts";
import type { Clock } from "../../server/service/clock.ts";
import type { JobDefaults } from "../../server/service/submit-plan.ts";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.ts";
import type { Store } from "../../server/store/store.ts";
import { tmpDir } from "./tmp.ts";

export interface TestServer {
  server: FlowyServer;
  url: string;
  api: string;
  dbPath: string;
  close(): Promise<void>;
}

export interface StartServerOptions {
  clock?: Clock;
  defaults?: Partial<JobDefaults>;
  reaperIntervalMs?: number;
  retainFinishedMs?: number | null;
  store?: Store;
  dbPath?: string;
  trustProxy?: TrustProxy;
  /** Require keys from the start, as the CLI does beyond loopback. */
  requireKeys?: boolean;
  feed?: FlowyServerOptions["feed"];
  streamLimits?: FlowyServerOptions["streamLimits"];
  maxClaimAnswerBytes?: number;
  bundleMaxBytes?: number;
  /** Listen on this port (default: a free one); for restarting a server where clients expect it. */
  port?: number;
}

export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const dbPath = options.dbPath ?? join(tmpDir(), "flowy.db");
  const store = options.store ?? new SqliteStore({ path: dbPath });
  const server = await createFlowyServer({
    store,
    logger: createLogger("flowy-test", (process.env.FLOWY_TEST_LOG_LEVEL as "info" | undefined) ?? "silent"),
    clock: options.clock,
    defaults: options.defaults,
    reaperIntervalMs: options.reaperIntervalMs ?? 50,
    retainFinishedMs: options.retainFinishedMs,
    trustProxy: options.trustProxy,
    requireKeys: options.requireKeys,
    feed: options.feed,
    streamLimits: options.streamLimits,
    maxClaimAnswerBytes: options.maxClaimAnswerBytes,
    bundleMaxBytes: options.bundleMaxBytes,
  });
  const url = await server.listen("127.0.0.1", options.port ?? 0);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
  };
  onTestFinished(close);
  return { server, url, api: `${url}/api/v1`, dbPath, close };
}

/** A clock tests move by hand. */
export function manualClock(
  start = Date.now(),
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  const clock = () => now;
  clock.advance = (ms: number) => {
    now += ms;
  };
  clock.set = (ms: number) => {
    now = ms;
  };
  return clock;
}
