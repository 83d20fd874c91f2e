/**
 * The daemon's view of the server's worker API, on top of the shared HttpTransport (got +
 * p-retry: every call has a timeout; connection errors, timeouts, 5xx and 429 are retried with
 * capped exponential backoff and jitter; other 4xx come back at once as FlowyError).
 * Retry budgets differ by call: a report must give up quickly enough for the lease keeper to
 * act before a lease runs out, while registering at start-up can wait for the server to come up.
 */
import { randomUUID } from "node:crypto";
import { HttpTransport, type RetryOptions } from "../../client/transport.ts";
import type { Bundle, WorkerBundleStatus } from "../../shared/bundle-protocol.ts";
import type { ClaimedJob, ControlAnswer, ReportItem, ReportResult, Worker } from "../../shared/protocol.ts";

export interface ServerClientOptions {
  server: string;
  apiKey?: string;
  workerId: string;
  /** Per-request timeout for everything except the long-poll claim. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  userAgent?: string;
  onRetry?: (info: { method: string; path: string; attempt: number; error: Error }) => void;
  /** Announced with every claim: the server waits this long past a job's timeout before it steps in. */
  killGraceS?: number;
}

export interface RegisterInfo {
  tags: string[];
  capacity: number;
  hostname: string;
  version: string;
}

/** Reports carry leases: a short budget, then the caller (lease keeper, outcome loop) decides. */
const REPORT_RETRY: Partial<RetryOptions> = { retries: 2, minDelayMs: 100, maxDelayMs: 1_000 };
const CLAIM_RETRY: Partial<RetryOptions> = { retries: 2, minDelayMs: 200, maxDelayMs: 2_000 };
/** Headroom over wait_s before a long-poll claim counts as hung. */
const CLAIM_SLACK_MS = 10_000;

export class ServerClient {
  readonly workerId: string;
  private readonly http: HttpTransport;
  private readonly timeoutMs: number;
  private readonly killGraceS: number | undefined;

  constructor(options: ServerClientOptions) {
    this.workerId = options.workerId;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.killGraceS = options.killGraceS;
    this.http = new HttpTransport({
      baseUrl: `${options.server.replace(/\/+$/, "")}/api/v1`,
      apiKey: options.apiKey,
      timeoutMs: this.timeoutMs,
      retry: options.retry,
      userAgent: options.userAgent ?? "daemon-flowy",
      onRetry: options.onRetry,
    });
  }

  register(info: RegisterInfo): Promise<Worker> {
    return this.http.json<Worker>("POST", "/workers/register", {
      body: { worker_id: this.workerId, ...info },
    });
  }

  /**
   * Long-polls for up to `capacity` jobs; resolves with [] when `waitS` passes without work. The
   * claim id is the same on every retry of the call, so an answer lost on the way (the server
   * leased jobs, the worker never heard) is answered again instead of leaving them leased to
   * nobody until their leases expire.
   */
  async claim(
    tags: string[],
    capacity: number,
    waitS: number,
    signal?: AbortSignal,
    bundles: string[] = [],
  ): Promise<ClaimedJob[]> {
    const answer = await this.http.json<{ jobs: ClaimedJob[] }>("POST", "/jobs/claim", {
      body: {
        worker_id: this.workerId,
        tags,
        capacity,
        wait_s: waitS,
        claim_id: randomUUID(),
        ...(bundles.length > 0 ? { bundles } : {}),
        ...(this.killGraceS === undefined ? {} : { kill_grace_s: this.killGraceS }),
      },
      timeoutMs: waitS * 1000 + CLAIM_SLACK_MS,
      retry: CLAIM_RETRY,
      signal,
    });
    return answer.jobs;
  }

  /** Heartbeats and outcomes of many jobs in one call; each item gets its own result. */
  async report(items: ReportItem[], timeoutMs?: number): Promise<ReportResult[]> {
    const answer = await this.http.json<{ results: ReportResult[] }>("POST", "/jobs/report", {
      body: { worker_id: this.workerId, items },
      retry: REPORT_RETRY,
      timeoutMs: timeoutMs ?? this.timeoutMs,
    });
    return answer.results;
  }

  /** Appends log text at a byte offset; resolves to the stored log's new length. */
  async appendLog(jobId: string, leaseToken: string, offset: number, data: string): Promise<number> {
    const answer = await this.http.json<{ length: number }>(
      "POST",
      `/jobs/${encodeURIComponent(jobId)}/logs`,
      { body: { worker_id: this.workerId, lease_token: leaseToken, offset, data }, retry: REPORT_RETRY },
    );
    return answer.length;
  }

  /**
   * Long-polls for what this worker must do now (cancels of its jobs, a drain); answers at once
   * with anything `known` lacks, else when `waitS` passes.
   */
  control(
    known: { cancel: string[]; drain: boolean },
    waitS: number,
    signal?: AbortSignal,
  ): Promise<ControlAnswer> {
    return this.http.json<ControlAnswer>("POST", `/workers/${encodeURIComponent(this.workerId)}/control`, {
      body: { wait_s: waitS, known_cancel: known.cancel, known_drain: known.drain },
      timeoutMs: waitS * 1000 + CLAIM_SLACK_MS,
      retry: CLAIM_RETRY,
      signal,
    });
  }

  /** Every bundle version the server stores (what the bundle sync chooses from). */
  async listBundles(): Promise<Bundle[]> {
    return (await this.http.json<{ bundles: Bundle[] }>("GET", "/bundles")).bundles;
  }

  /** Tells the server what this worker has installed and which installs failed. */
  async reportBundles(bundles: WorkerBundleStatus[]): Promise<void> {
    await this.http.json("POST", `/workers/${encodeURIComponent(this.workerId)}/bundles`, {
      body: { bundles },
      retry: REPORT_RETRY,
    });
  }

  /** The jobs the server thinks this worker holds (reconcile after a restart). */
  async running(): Promise<ClaimedJob[]> {
    const answer = await this.http.json<{ jobs: ClaimedJob[] }>("GET", "/jobs/running", {
      query: { worker_id: this.workerId },
    });
    return answer.jobs;
  }
}
