/** Worker routes: register, claim (long-poll), heartbeat, complete, failed, batch report, logs, reconcile. */
import type { Static } from "@sinclair/typebox";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import {
  type Claim,
  ClaimBody,
  ClaimResponse,
  type Complete,
  CompleteBody,
  type Failed,
  FailedBody,
  type Heartbeat,
  HeartbeatBody,
  HeartbeatResponse,
  JobIdParams,
  JobSchema,
  type LogAppend,
  LogAppendBody,
  LogAppendResponse,
  type RegisterWorker,
  RegisterWorkerBody,
  type Report,
  ReportBody,
  ReportResponse,
  RunningQuery,
  WorkerSchema,
} from "../../../shared/protocol.ts";
import { Type as T } from "@sinclair/typebox";
import { ATTEMPT_HEADER } from "../../../shared/protocol.ts";
import type { JobRecord } from "../../model/records.ts";
import { abortOnClose } from "../abort-on-close.ts";
import type { Services } from "../services.ts";
import {
  fromWireClaim,
  fromWireOutcome,
  fromWireRegistration,
  fromWireReportItem,
  toWireClaimedJob,
  toWireHeartbeat,
  toWireJob,
  toWireReportResult,
  toWireWorker,
} from "../wire.ts";

type IdParams = Static<typeof JobIdParams>;
const ClaimedJobs = ClaimResponse;
const LOG_BODY_LIMIT = 2 * 1_048_576;

/** The client's transport numbers its retries: a retried claim may have leased jobs already. */
function isRetry(headers: Record<string, string | string[] | undefined>): boolean {
  return Number(headers[ATTEMPT_HEADER] ?? 1) > 1;
}

export function registerWorkerRoutes(app: FastifyInstance, services: Services): void {
  const { leases, clock } = services;
  /**
   * lease_ms counts from `receivedAt`, when this server began on the request (never earlier than
   * the worker sent it): a long-poll claim's lease was stamped when its job came, maybe seconds
   * later, and the worker, counting from its send, must not take that wait off the lease.
   */
  const toClaimed = (jobs: JobRecord[], receivedAt = clock()) =>
    jobs.map((job) => toWireClaimedJob(job, receivedAt));

  app.post<{ Body: RegisterWorker }>(
    "/workers/register",
    {
      schema: {
        tags: ["workers"],
        summary: "Register a worker (again, with its persisted id)",
        body: RegisterWorkerBody,
        response: { 200: WorkerSchema },
      },
    },
    async (request) => toWireWorker(await leases.register(fromWireRegistration(request.body)), clock()),
  );

  app.post<{ Body: Claim }>(
    "/jobs/claim",
    {
      schema: {
        tags: ["workers"],
        summary: "Lease up to `capacity` jobs; waits up to wait_s for one to arrive",
        body: ClaimBody,
        response: { 200: ClaimedJobs },
      },
    },
    async (request, reply) => {
      const receivedAt = clock();
      const hungUp = abortOnClose(reply);
      const jobs = await leases.claim(fromWireClaim(request.body), hungUp, isRetry(request.headers));
      if (jobs.length > 0) releaseIfUndelivered(jobs, hungUp, request.log);
      return { jobs: toClaimed(jobs, receivedAt) };
    },
  );

  /**
   * The worker hung up before the answer was written (a long poll given up at the instant jobs
   * arrived, a daemon stopping): nobody knows it holds these leases, so they go back to the
   * queue now rather than wait out their lease and count as an attempt.
   */
  const releaseIfUndelivered = (jobs: JobRecord[], hungUp: AbortSignal, log: FastifyBaseLogger) => {
    const release = () => {
      leases
        .release(jobs, "the worker hung up before the claim's answer reached it")
        .then((released) => {
          for (const job of released) {
            log.warn(
              { job_id: job.id, worker_id: jobs[0]!.workerId, state: job.state },
              "claim answer not delivered: job released",
            );
          }
        })
        .catch((error: unknown) => log.error({ err: error }, "releasing an undelivered claim failed"));
    };
    if (hungUp.aborted) release();
    else hungUp.addEventListener("abort", release, { once: true });
  };

  app.post<{ Params: IdParams; Body: Heartbeat }>(
    "/jobs/:id/heartbeat",
    {
      schema: {
        tags: ["workers"],
        summary: "Renew the lease",
        params: JobIdParams,
        body: HeartbeatBody,
        response: { 200: HeartbeatResponse },
      },
    },
    async (request) =>
      toWireHeartbeat(
        await leases.heartbeat(
          request.params.id,
          request.body.lease_token,
          request.body.worker_id,
          request.body.tasks ?? null,
        ),
        clock(),
      ),
  );

  const reportRoute = (
    kind: "complete" | "failed",
    body: typeof CompleteBody | typeof FailedBody,
    summary: string,
  ) =>
    app.post<{ Params: IdParams; Body: Complete | Failed }>(
      `/jobs/:id/${kind}`,
      { schema: { tags: ["workers"], summary, params: JobIdParams, body, response: { 200: JobSchema } } },
      async (request) => {
        const { worker_id, lease_token } = request.body;
        const outcome = fromWireOutcome(kind, request.body);
        return toWireJob(await leases.report(request.params.id, lease_token, worker_id, outcome));
      },
    );
  reportRoute("complete", CompleteBody, "Report success (safe to repeat)");
  reportRoute("failed", FailedBody, "Report failure (safe to repeat); retried while attempts remain");

  app.post<{ Body: Report }>(
    "/jobs/report",
    {
      schema: {
        tags: ["workers"],
        summary:
          "Heartbeats and outcomes of many jobs in one call; with `claim`, also lease up to `capacity` jobs without waiting",
        body: ReportBody,
        response: { 200: ReportResponse },
      },
    },
    async (request) => {
      const receivedAt = clock();
      const { worker_id, items, claim } = request.body;
      // Started together, the claim shares the report's group commit.
      const [answers, jobs] = await Promise.all([
        leases.reportBatch(worker_id, items.map(fromWireReportItem)),
        claim
          ? leases.claim(
              fromWireClaim({ worker_id, ...claim, wait_s: 0 }),
              undefined,
              isRetry(request.headers),
            )
          : undefined,
      ]);
      const now = clock();
      return {
        results: answers.map((answer) => toWireReportResult(answer, now)),
        ...(jobs ? { jobs: toClaimed(jobs, receivedAt) } : {}),
      };
    },
  );

  app.post<{ Params: IdParams; Body: LogAppend }>(
    "/jobs/:id/logs",
    {
      bodyLimit: LOG_BODY_LIMIT,
      schema: {
        tags: ["workers"],
        summary: "Append log text at a byte offset (idempotent)",
        params: JobIdParams,
        body: LogAppendBody,
        response: { 200: LogAppendResponse },
      },
    },
    async (request) => ({
      length: await leases.appendLog(
        request.params.id,
        request.body.lease_token,
        request.body.worker_id,
        request.body.offset,
        request.body.data,
      ),
    }),
  );

  app.get<{ Querystring: Static<typeof RunningQuery> }>(
    "/jobs/running",
    {
      schema: {
        tags: ["workers"],
        summary: "Jobs the server thinks this worker holds (for reconcile after a restart)",
        querystring: RunningQuery,
        response: { 200: T.Object({ jobs: ClaimResponse.properties.jobs }) },
      },
    },
    async (request) => {
      const jobs = await leases.running(request.query.worker_id);
      return { jobs: toClaimed(jobs) };
    },
  );
}
