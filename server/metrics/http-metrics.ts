/**
 * Request durations by route pattern and status. The route label is the registered pattern
 * (`/api/v1/jobs/:id`), never the raw URL, so the series stay few whatever ids clients send.
 */
import type { FastifyInstance } from "fastify";
import { Histogram, type Registry } from "prom-client";

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: "flowy_http_request_duration_seconds",
    help: "HTTP request durations by method, route pattern and status code (long-polls included).",
    labelNames: ["method", "route", "status_code"],
    buckets: BUCKETS,
    registers: [registry],
  });
  // A callback hook, not an async one: no promise per request.
  app.addHook("onResponse", (request, reply, done) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status_code: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
