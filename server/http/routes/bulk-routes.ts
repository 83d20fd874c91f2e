/**
 * Bulk actions: `POST /jobs/bulk` counts (dry_run) or starts a cancel, requeue or delete of every
 * job a search matches, or of a selection; `GET /jobs/bulk/{id}` follows its progress.
 */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { notFound } from "../../../shared/errors.ts";
import {
  type BulkAction,
  BulkActionRequest,
  BulkIdParams,
  BulkProgressSchema,
  type ListJobs,
} from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";
import { routeDocs } from "./route-docs.ts";
import { fromWireSearch, toWireBulk } from "../wire.ts";

const doc = routeDocs("jobs");

export function registerBulkRoutes(app: FastifyInstance, { bulk }: Services): void {
  app.post<{ Body: BulkAction }>(
    "/jobs/bulk",
    doc("Cancel, requeue or delete every job a search matches (or a selection), in batches", {
      body: BulkActionRequest,
      response: { 200: BulkProgressSchema, 202: BulkProgressSchema },
    }),
    async (request, reply) => {
      const { ids, ...search } = request.body.filter;
      const { cursor: _c, limit: _l, sort: _s, order: _o, ...filter } = fromWireSearch(search as ListJobs);
      const scoped = ids ? { ...filter, ids } : filter;
      if (request.body.dry_run) {
        const matched = await bulk.count(scoped);
        return reply.code(200).send({
          id: null,
          action: request.body.action,
          state: "counted",
          matched,
          done: 0,
          changed: 0,
          unchanged: 0,
          refused: 0,
          errors: [],
          started_at: null,
          finished_at: null,
        });
      }
      const who = request.flowyKey ?? "a client";
      const { progress } = await bulk.start({ action: request.body.action, filter: scoped, who });
      return reply.code(202).send(toWireBulk(progress));
    },
  );

  app.get<{ Params: Static<typeof BulkIdParams> }>(
    "/jobs/bulk/:id",
    doc("A bulk action's progress (kept an hour after it ends, on the server that runs it)", {
      params: BulkIdParams,
      response: { 200: BulkProgressSchema },
    }),
    async (request) => {
      const progress = bulk.get(request.params.id);
      if (!progress) throw notFound("Bulk action", request.params.id);
      return toWireBulk(progress);
    },
  );
}
