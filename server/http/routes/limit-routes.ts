/** Declared concurrency limits per key pattern: list, set, delete. */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { FlowyError } from "../../../shared/errors.ts";
import { LimitParams, LimitSchema, LimitsResponse } from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";
import { routeDocs } from "./route-docs.ts";
import { toWireLimit } from "../wire.ts";

const doc = routeDocs("limits");

export function registerLimitRoutes(api: FastifyInstance, services: Services): void {
  const { limits } = services;
  api.get(
    "/limits",
    doc("Declared concurrency limits, by key pattern", { response: { 200: LimitsResponse } }),
    async () => ({ limits: (await limits.list()).map(toWireLimit) }),
  );
  api.post<{ Body: Static<typeof LimitSchema> }>(
    "/limits",
    doc("Declare (or change) the concurrency limit of the keys a pattern matches", {
      description:
        "`key` is a concurrency key or a glob with `*` (customer-*). A key gets the limit of the job itself " +
        "(concurrency_limit), else of the most specific matching pattern (the exact key, then the longest), else 1.",
      body: LimitSchema,
      response: { 200: LimitSchema },
    }),
    async (request) =>
      toWireLimit(await limits.set({ pattern: request.body.key, concurrency: request.body.concurrency })),
  );
  api.delete<{ Params: Static<typeof LimitParams> }>(
    "/limits/:key",
    doc("Delete a declared concurrency limit", { params: LimitParams }),
    async (request, reply) => {
      if (!(await limits.delete(request.params.key))) {
        throw new FlowyError(
          "not-found",
          `No limit is declared for "${request.params.key}"`,
          "List the declared limits with: flowy-client limits list",
        );
      }
      return reply.code(204).send();
    },
  );
}
