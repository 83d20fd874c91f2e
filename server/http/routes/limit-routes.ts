/** Declared concurrency limits per key pattern: list, set, delete; and the keys in use now. */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { FlowyError } from "../../../shared/errors.ts";
import {
  ConcurrencyKeysResponse,
  LimitParams,
  LimitSchema,
  LimitsResponse,
} from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";
import { toWireKeyUsage, toWireLimit } from "../wire.ts";

export function registerLimitRoutes(api: FastifyInstance, services: Services): void {
  const { limits } = services;
  api.get(
    "/limits",
    {
      schema: {
        tags: ["limits"],
        summary: "Declared concurrency limits, by key pattern",
        response: { 200: LimitsResponse },
      },
    },
    async () => ({ limits: (await limits.list()).map(toWireLimit) }),
  );
  api.get(
    "/concurrency-keys",
    {
      schema: {
        tags: ["limits"],
        summary: "Concurrency keys with running or pending jobs: each key's limit, jobs in use and waiting",
        description:
          "The 200 busiest keys, busiest first. `limit_from` says whether the limit is the jobs' own, a declared pattern's (`pattern`) or the default.",
        response: { 200: ConcurrencyKeysResponse },
      },
    },
    async () => ({ keys: (await limits.usage()).map(toWireKeyUsage) }),
  );
  api.post<{ Body: Static<typeof LimitSchema> }>(
    "/limits",
    {
      schema: {
        tags: ["limits"],
        summary: "Declare (or change) the concurrency limit of the keys a pattern matches",
        description:
          "`key` is a concurrency key or a glob with `*` (customer-*). A key gets the limit of the job itself " +
          "(concurrency_limit), else of the most specific matching pattern (the exact key, then the longest), else 1.",
        body: LimitSchema,
        response: { 200: LimitSchema },
      },
    },
    async (request) =>
      toWireLimit(await limits.set({ pattern: request.body.key, concurrency: request.body.concurrency })),
  );
  api.delete<{ Params: Static<typeof LimitParams> }>(
    "/limits/:key",
    {
      schema: { tags: ["limits"], summary: "Delete a declared concurrency limit", params: LimitParams },
    },
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
