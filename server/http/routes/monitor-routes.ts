/** Live views and monitoring: job changes as server-sent events, throughput, Prometheus metrics. */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { FlowyError } from "../../../shared/errors.ts";
import { ThroughputQuery, ThroughputSchema } from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";
import { ChangeStreams } from "../sse.ts";

const BUCKET_MS = 60_000;

export function registerMonitorRoutes(api: FastifyInstance, services: Services): void {
  const streams = new ChangeStreams(api, services.streamLimits, services.metrics.streams);
  api.get(
    "/events",
    {
      schema: {
        tags: ["ops"],
        summary: "Job changes as server-sent events (event `jobs`: [{id, state, version, kind?}])",
        description: "Needs `Accept: text/event-stream`; changes are coalesced and sent every 250 ms.",
      },
    },
    async (request, reply) => {
      // Only an event-stream client should hold this open; anything else gets an answer now.
      if (!String(request.headers.accept ?? "").includes("text/event-stream")) {
        throw new FlowyError(
          "invalid-request",
          "GET /api/v1/events streams server-sent events",
          "Send Accept: text/event-stream (EventSource does), e.g. curl -N -H 'Accept: text/event-stream'.",
        );
      }
      streams.stream(reply, request.flowyKey ?? `address:${request.ip}`, (listener) =>
        services.jobs.watch(listener),
      );
    },
  );
  api.get<{ Querystring: Static<typeof ThroughputQuery> }>(
    "/stats/throughput",
    {
      schema: {
        tags: ["ops"],
        summary: "Jobs finished per minute by outcome, over the last `minutes` minutes",
        querystring: ThroughputQuery,
        response: { 200: ThroughputSchema },
      },
    },
    async (request) => {
      const buckets = await services.jobs.throughput(request.query.minutes ?? 60, BUCKET_MS);
      return {
        bucket_s: BUCKET_MS / 1000,
        buckets: buckets.map((b) => ({ ...b, at: new Date(b.at).toISOString() })),
      };
    },
  );
}

export function registerMetricsRoute(app: FastifyInstance, services: Services): void {
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) =>
    reply.type(services.metrics.contentType).send(await services.metrics.render()),
  );
}
