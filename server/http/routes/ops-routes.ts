/** Operations: health, readiness, stats, workers, the OpenAPI document. */
import type { FastifyInstance } from "fastify";
import { StatsSchema, WorkersResponse } from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";
import { toWirePausedTag, toWireWorker } from "../wire.ts";

export function registerStatsRoutes(app: FastifyInstance, services: Services): void {
  app.get(
    "/stats",
    {
      schema: {
        tags: ["ops"],
        summary: "Job counts by state, pending jobs by tags, workers, paused tags",
        response: { 200: StatsSchema },
      },
    },
    async () => {
      const stats = await services.jobs.stats();
      const workers = (await services.jobs.workers()).map((w) => toWireWorker(w, services.clock()));
      const paused = await services.pauses.list();
      return {
        states: stats.states,
        queues: stats.queues,
        workers: {
          active: workers.filter((w) => w.status === "active").length,
          lost: workers.filter((w) => w.status === "lost").length,
        },
        paused_tags: paused.map(toWirePausedTag),
      };
    },
  );
  app.get(
    "/workers",
    {
      schema: {
        tags: ["workers"],
        summary: "Workers, most recently seen first",
        response: { 200: WorkersResponse },
      },
    },
    async () => ({
      workers: (await services.jobs.workers()).map((w) => toWireWorker(w, services.clock())),
    }),
  );
}

export function registerHealthRoutes(app: FastifyInstance, services: Services): void {
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const ready = await services.ready().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready" });
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
