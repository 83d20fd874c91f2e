/** Client routes: submit, read, list, cancel, requeue, delete, logs. Thin: parse, call the service, map. */
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import {
  GetJobQuery,
  JobIdParams,
  JobSchema,
  ListJobsQuery,
  ListJobsResponse,
  LogQuery,
  type ListJobs,
  type SubmitBatch,
  SubmitBatchBody,
  SubmitBatchResponse,
  type SubmitJob,
  SubmitJobBody,
} from "../../../shared/protocol.ts";
import type { Static } from "@sinclair/typebox";
import { abortOnClose } from "../abort-on-close.ts";
import type { Services } from "../services.ts";
import { routeDocs } from "./route-docs.ts";
import { fromWireSearch, toWireJob } from "../wire.ts";

type IdParams = Static<typeof JobIdParams>;
const LOG_READ_MAX = 1_048_576;
const BATCH_BODY_LIMIT = 16 * 1_048_576;

const doc = routeDocs("jobs");

export function registerClientRoutes(app: FastifyInstance, services: Services): void {
  const { jobs } = services;

  app.post<{ Body: SubmitJob }>(
    "/jobs",
    doc("Submit a job", { body: SubmitJobBody, response: { 200: JobSchema, 201: JobSchema } }),
    async (request, reply) => {
      const header = request.headers["idempotency-key"];
      const key = typeof header === "string" && header.length > 0 ? header : null;
      const { job, created } = await jobs.submit(request.body, key);
      return reply.code(created ? 201 : 200).send(toWireJob(job));
    },
  );

  app.post<{ Body: SubmitBatch }>(
    "/jobs/batch",
    {
      // A thousand jobs with their specs and inputs do not fit the default megabyte.
      bodyLimit: BATCH_BODY_LIMIT,
      ...doc(
        "Submit up to 1,000 jobs in one transaction; each result is the job or why it was not submitted",
        { body: SubmitBatchBody, response: { 200: SubmitBatchResponse } },
      ),
    },
    async (request) => {
      const outcomes = await jobs.submitMany(request.body.jobs);
      return {
        results: outcomes.map((o) =>
          "error" in o ? { error: o.error.toProblem() } : { job: toWireJob(o.job), created: o.created },
        ),
      };
    },
  );

  app.get<{ Querystring: ListJobs }>(
    "/jobs",
    doc("Search all jobs: filters, sort, cursor pages (newest first by default)", {
      querystring: ListJobsQuery,
      response: { 200: ListJobsResponse },
    }),
    async (request) => {
      const q = request.query;
      const page = await jobs.list({
        ...fromWireSearch(q),
      });
      return { jobs: page.jobs.map((j) => toWireJob(j)), next_cursor: page.nextCursor };
    },
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof GetJobQuery> }>(
    "/jobs/:id",
    doc("Get a job with its history; with ?version=&wait_s= waits for it to change", {
      params: JobIdParams,
      querystring: GetJobQuery,
      response: { 200: JobSchema },
    }),
    async (request, reply) => {
      const { version, wait_s } = request.query;
      const job =
        version !== undefined
          ? await jobs.waitForChange(request.params.id, version, (wait_s ?? 0) * 1000, abortOnClose(reply))
          : await jobs.get(request.params.id);
      return toWireJob(job, await jobs.history(job.id));
    },
  );

  const control = (
    path: string,
    summary: string,
    act: (id: string) => Promise<Parameters<typeof toWireJob>[0]>,
  ) =>
    app.post<{ Params: IdParams }>(
      path,
      doc(summary, { params: JobIdParams, response: { 200: JobSchema } }),
      async (request) => toWireJob(await act(request.params.id)),
    );
  control("/jobs/:id/cancel", "Cancel a job (a running one is asked to stop)", (id) => jobs.cancel(id));
  control("/jobs/:id/requeue", "Run a finished or deleted job again", (id) => jobs.requeue(id));

  app.delete<{ Params: IdParams }>(
    "/jobs/:id",
    doc("Delete a job that is not running", { params: JobIdParams, response: { 200: JobSchema } }),
    async (request) => toWireJob(await jobs.delete(request.params.id)),
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof LogQuery> }>(
    "/jobs/:id/logs",
    doc(
      "Read up to 1 MiB of a job's log from a byte offset (latest attempt by default); ?follow=1 streams until the job ends",
      { params: JobIdParams, querystring: LogQuery },
    ),
    async (request, reply) => {
      const { attempt, offset = 0, follow } = request.query;
      const log = await jobs.readLog(request.params.id, attempt, offset, LOG_READ_MAX);
      reply.header("flowy-log-attempt", String(log.attempt)).type("text/plain; charset=utf-8");
      if (follow !== "1" && follow !== "true") {
        return reply.header("flowy-log-length", String(log.length)).send(log.data);
      }
      const signal = abortOnClose(reply);
      return reply.send(Readable.from(jobs.followLog(request.params.id, log.attempt, offset, signal)));
    },
  );
}
