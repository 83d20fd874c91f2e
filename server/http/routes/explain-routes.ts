/** "Why isn't my job running?": GET /jobs/{id}/explain. */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ExplainSchema, JobIdParams } from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";

export function registerExplainRoutes(api: FastifyInstance, services: Services): void {
  api.get<{ Params: Static<typeof JobIdParams> }>(
    "/jobs/:id/explain",
    {
      schema: {
        tags: ["jobs"],
        summary: "Why a job is not running: the thing in the way, in one sentence",
        params: JobIdParams,
        response: { 200: ExplainSchema },
      },
    },
    async (request) => {
      const { job, explanation } = await services.explain.explain(request.params.id);
      return {
        job_id: job.id,
        state: job.state,
        reason: explanation.code,
        message: explanation.message,
        details: explanation.details,
      };
    },
  );
}
