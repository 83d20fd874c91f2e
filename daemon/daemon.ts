/**
 * Puts the daemon together: state dir and worker id, ServerClient, batching Reporter, LeaseKeeper,
 * JobManager; registers, reconciles, then claims until told to stop.
 */
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { readApiKeyFile } from "../shared/api-key-file.ts";
import { isFlowyError } from "../shared/errors.ts";
import { retryDelayMs } from "../shared/retry-policy.ts";
import type { DaemonConfig } from "./config-schema.ts";
import { jobsRoot } from "./process/job-dir.ts";
import { type DrainResult, JobManager } from "./job-manager.ts";
import type { RunContext } from "./job-run.ts";
import { LeaseKeeper } from "./leases/lease-keeper.ts";
import { reconcile } from "./reconcile.ts";
import { Reporter } from "./leases/reporter.ts";
import { createExecutors } from "./executors.ts";
import { ServerClient } from "./leases/server-client.ts";
import { lockStateDir, prepareStateDir, resolveWorkerId } from "./state-dir.ts";

export const DAEMON_VERSION = "0.1.0";

export interface Daemon {
  workerId: string;
  /** Stops claiming, lets jobs finish for up to `timeoutMs`, stops the rest. */
  drain(timeoutMs: number): Promise<DrainResult>;
  /** Stops every job at once and gives their reports `waitMs`. */
  stopNow(waitMs: number): Promise<void>;
}

export interface StartDaemonOptions {
  config: DaemonConfig;
  logger: Logger;
  now?: () => number;
  /** Aborts the wait for an unreachable server at start-up. */
  signal?: AbortSignal;
}

const STARTUP_BACKOFF = { initial_s: 0.5, max_s: 10, factor: 2 };

export async function startDaemon(options: StartDaemonOptions): Promise<Daemon> {
  const { config } = options;
  const now = options.now ?? Date.now;
  await prepareStateDir(config.state_dir);
  const unlock = await lockStateDir(config.state_dir);
  const workerId = await resolveWorkerId(config.state_dir, config.worker_id);
  const logger = options.logger.child({ worker_id: workerId });
  const executors = createExecutors(logger);
  const client = new ServerClient({
    server: config.server,
    apiKey: config.api_key ?? (config.api_key_file ? readApiKeyFile(config.api_key_file) : undefined),
    workerId,
    userAgent: `daemon-flowy/${DAEMON_VERSION}`,
  });
  const reporter = new Reporter({ send: (items) => client.report(items) });
  const keeper = new LeaseKeeper({ send: (item) => reporter.send(item), now, logger });
  const context: RunContext = {
    jobsRoot: jobsRoot(config.state_dir),
    client,
    keeper,
    report: (item) => reporter.send(item),
    logger,
    killGraceMs: config.kill_grace * 1000,
    now,
    selectExecutor: executors.select,
  };
  const manager = new JobManager({
    client,
    tags: config.tags,
    maxJobs: config.max_jobs,
    claimWaitS: config.claim_wait,
    context,
    logger,
  });
  keeper.start();
  try {
    await untilServerAnswers(logger, options.signal, async () => {
      await client.register({
        tags: config.tags,
        capacity: config.max_jobs,
        hostname: hostname(),
        version: DAEMON_VERSION,
      });
      await reconcile({ client, manager, context, logger });
    });
  } catch (error) {
    keeper.stop();
    executors.close();
    await unlock();
    throw error;
  }
  manager.start();
  logger.info(
    {
      event: "ready",
      server: config.server,
      max_jobs: config.max_jobs,
      tags: config.tags,
      state_dir: config.state_dir,
    },
    "daemon-flowy is claiming jobs",
  );
  const finish = async () => {
    keeper.stop();
    executors.close();
    await unlock();
  };
  return {
    workerId,
    async drain(timeoutMs) {
      const result = await manager.drain(timeoutMs);
      await finish();
      return result;
    },
    async stopNow(waitMs) {
      await manager.stopNow(waitMs);
      await finish();
    },
  };
}

/** Start-up waits for the server (it may be starting too) rather than exiting. */
async function untilServerAnswers(
  logger: Logger,
  signal: AbortSignal | undefined,
  step: () => Promise<void>,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      await step();
      return;
    } catch (error) {
      if (
        !isFlowyError(error, "unreachable") &&
        !isFlowyError(error, "unavailable") &&
        !isFlowyError(error, "internal")
      )
        throw error;
      if (signal?.aborted) throw error;
      const delay = retryDelayMs(attempt, STARTUP_BACKOFF);
      logger.warn({ err: error.message, retry_in_ms: delay }, "server not reachable yet; retrying");
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
}
