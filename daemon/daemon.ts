/**
 * Puts the daemon together: state dir and worker id, ServerClient, batching Reporter, LeaseKeeper,
 * JobManager; registers, reconciles, then claims until told to stop.
 */
import { existsSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { readApiKeyFile } from "../shared/api-key-file.ts";
import { isFlowyError } from "../shared/errors.ts";
import { retryDelayMs } from "../shared/retry-policy.ts";
import type { DaemonConfig } from "./config-schema.ts";
import { installBundle } from "./bundles/bundle-install.ts";
import { BundleSync } from "./bundles/bundle-sync.ts";
import { createContainment } from "./process/cgroup.ts";
import { jobsRoot } from "./process/job-dir.ts";
import { type LeaseWatchdog, startLeaseWatchdog } from "./process/lease-watchdog.ts";
import { resolveJobUser } from "./process/job-user.ts";
import { type DrainResult, JobManager } from "./job-manager.ts";
import type { RunContext } from "./job-run.ts";
import { ControlChannel } from "./leases/control-channel.ts";
import { LeaseKeeper, watchdogKillPoint } from "./leases/lease-keeper.ts";
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
  /** An operator asked this worker to drain (flowy-client workers drain): drain as on SIGTERM. */
  onDrainRequested?: () => void;
}

const STARTUP_BACKOFF = { initial_s: 0.5, max_s: 10, factor: 2 };
/** An unpacked bundle larger than this is refused (a decompression bomb). */
const BUNDLE_MAX_UNPACKED_BYTES = 4 * 1024 ** 3;
const BUNDLE_SETUP_TIMEOUT_MS = 10 * 60_000;

export async function startDaemon(options: StartDaemonOptions): Promise<Daemon> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const jobUser = resolveJobUser(config.job_user);
  await prepareStateDir(config.state_dir, jobUser !== undefined);
  const unlock = await lockStateDir(config.state_dir);
  const workerId = await resolveWorkerId(config.state_dir, config.worker_id);
  const logger = options.logger.child({ worker_id: workerId });
  const containment = createContainment({ root: config.cgroup_root, workerId, logger });
  const executors = createExecutors(logger, containment, jobUser);
  const apiKey = config.api_key ?? (config.api_key_file ? readApiKeyFile(config.api_key_file) : undefined);
  const client = new ServerClient({
    server: config.server,
    apiKey,
    workerId,
    userAgent: `daemon-flowy/${DAEMON_VERSION}`,
    killGraceS: config.kill_grace,
  });
  const reporter = new Reporter({ send: (items) => client.report(items) });
  let watchdog: LeaseWatchdog | undefined;
  // Lease deadlines run on the monotonic clock (the keeper's default), never on the wall clock.
  const keeper = new LeaseKeeper({
    send: (item) => reporter.send(item),
    logger,
    onDeadline: (jobId, expiresAt, leaseMs) =>
      watchdog?.deadline(jobId, expiresAt === undefined ? undefined : watchdogKillPoint(expiresAt, leaseMs)),
  });
  const root = jobsRoot(config.state_dir);
  watchdog = startLeaseWatchdog({
    stateDir: config.state_dir,
    clock: () => keeper.clock(),
    logger,
    jobIds: () => (existsSync(root) ? readdirSync(root) : []),
  });
  const context: RunContext = {
    jobsRoot: root,
    watchdog,
    client,
    keeper,
    report: (item) => reporter.send(item),
    logger,
    killGraceMs: config.kill_grace * 1000,
    now,
    selectExecutor: executors.select,
    containment,
    jobUser,
  };
  const bundles = createBundleSync(config, client, apiKey, logger);
  await bundles.load();
  const manager = new JobManager({
    client,
    tags: config.tags,
    maxJobs: config.max_jobs,
    claimWaitS: config.claim_wait,
    context,
    logger,
    bundles,
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
    // Before the first claim: jobs that need a bundle can be claimed from the start.
    await bundles.sync();
  } catch (error) {
    keeper.stop();
    executors.close();
    await unlock();
    throw error;
  }
  manager.start();
  const control = new ControlChannel({
    control: (known, waitS, signal) => client.control(known, waitS, signal),
    onCancel: (jobId) => {
      logger.info({ event: "cancel_heard", job_id: jobId }, "the server is canceling a job: stopping it");
      manager.cancel(jobId);
    },
    onDrain: () => {
      logger.info({ event: "drain_requested" }, "an operator asked this worker to drain");
      options.onDrainRequested?.();
    },
    logger,
  });
  control.start();
  logger.info(
    {
      event: "ready",
      server: config.server,
      max_jobs: config.max_jobs,
      tags: config.tags,
      state_dir: config.state_dir,
      job_user: jobUser?.name,
    },
    "daemon-flowy is claiming jobs",
  );
  const finish = async () => {
    await control.stop();
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

/** Bundles live in the state dir (STATE/bundles/NAME/VERSION), installed from this server. */
function createBundleSync(
  config: DaemonConfig,
  client: ServerClient,
  apiKey: string | undefined,
  logger: Logger,
): BundleSync {
  const root = join(config.state_dir, "bundles");
  const install = {
    api: `${config.server.replace(/\/+$/, "")}/api/v1`,
    apiKey,
    root,
    maxBytes: BUNDLE_MAX_UNPACKED_BYTES,
    setupTimeoutMs: BUNDLE_SETUP_TIMEOUT_MS,
  };
  return new BundleSync({
    root,
    tags: config.tags,
    list: () => client.listBundles(),
    install: (bundle) => installBundle(bundle, install),
    report: (statuses) => client.reportBundles(statuses),
    logger,
    intervalMs: config.bundle_sync * 1000,
  });
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
