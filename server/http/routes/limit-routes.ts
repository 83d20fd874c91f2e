/** Declared limits per key pattern (concurrency, rate): list, set, delete; and the keys in use now. */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { FlowyError } from "../../../shared/errors.ts";
import {
  ConcurrencyKeysResponse,
  LimitParams,
  LimitSchema,
  LimitsResponse,
  SetLimitBody,
} from "../../../shared/protocol.ts";
import { parseRate } from "../../../shared/rate.ts";
import type { Services } from "../services.ts";
import { routeDocs } from "./route-docs.ts";
import { toWireKeyUsage, toWireLimit } from "../wire.ts";

const doc = routeDocs("limits");

export function registerLimitRoutes(api: FastifyInstance, services: Services): void {
  const { limits } = services;
  api.get(
    "/limits",
    doc("Declared limits, by key pattern; with a rate, the busiest key's starts in its current window", {
      response: { 200: LimitsResponse },
    }),
    async () => ({ limits: (await limits.list()).map((view) => toWireLimit(view.limit, view)) }),
  );
  api.get(
    "/concurrency-keys",
    doc("Concurrency keys with running or pending jobs: each key's limit, jobs in use and waiting", {
      description:
        "The 200 busiest keys, busiest first. `limit_from` says whether the limit is the jobs' own, a declared pattern's (`pattern`) or the default.",
      response: { 200: ConcurrencyKeysResponse },
    }),
    async () => ({ keys: (await limits.usage()).map(toWireKeyUsage) }),
  );
  api.post<{ Body: Static<typeof SetLimitBody> }>(
    "/limits",
    doc("Declare (or replace) the limit of the keys a pattern matches: concurrency, rate, or both", {
      description:
        "`key` is a concurrency key or a glob with `*` (customer-*). A key gets the limit of the job itself " +
        "(concurrency_limit), else of the most specific matching pattern (the exact key, then the longest), else 1; " +
        "a pattern declared with only a rate leaves its keys' concurrency uncapped. `rate` (N/s, N/min, N/h) allows " +
        "at most N starts of each matching key in any window of that length.",
      body: SetLimitBody,
      response: { 200: LimitSchema },
    }),
    async (request) => {
      const { key, concurrency, rate } = request.body;
      if (concurrency === undefined && rate === undefined) {
        throw new FlowyError(
          "invalid-request",
          "A limit needs a concurrency, a rate, or both",
          'Send {"key": "customer-*", "concurrency": 2} or {"key": "customer-*", "rate": "100/min"}',
        );
      }
      return toWireLimit(
        await limits.set({
          pattern: key,
          concurrency: concurrency ?? null,
          rate: rate ? parseRate(rate)! : null,
        }),
      );
    },
  );
  api.delete<{ Params: Static<typeof LimitParams> }>(
    "/limits/:key",
    doc("Delete a declared limit", { params: LimitParams }),
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
