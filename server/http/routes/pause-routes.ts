/** Pausing work by tag: list, pause, resume (claims pass over jobs carrying a paused tag). */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { FlowyError } from "../../../shared/errors.ts";
import { PauseTagBody, PausedTagSchema, PausedTagsResponse, TagParams } from "../../../shared/protocol.ts";
import type { Services } from "../services.ts";
import { routeDocs } from "./route-docs.ts";
import { toWirePausedTag } from "../wire.ts";

const doc = routeDocs("pause");

export function registerPauseRoutes(api: FastifyInstance, services: Services): void {
  const { pauses } = services;
  api.get(
    "/paused-tags",
    doc("Tags whose jobs are not being claimed", { response: { 200: PausedTagsResponse } }),
    async () => ({ paused_tags: (await pauses.list()).map(toWirePausedTag) }),
  );
  api.post<{ Body: Static<typeof PauseTagBody> }>(
    "/paused-tags",
    doc("Pause a tag: claims pass over jobs carrying it; running ones finish", {
      description: "Pausing a paused tag is harmless and keeps its first `paused_at`.",
      body: PauseTagBody,
      response: { 200: PausedTagSchema },
    }),
    async (request) => toWirePausedTag(await pauses.pause(request.body.tag)),
  );
  api.delete<{ Params: Static<typeof TagParams> }>(
    "/paused-tags/:tag",
    doc("Resume a paused tag: its pending jobs can be claimed again", { params: TagParams }),
    async (request, reply) => {
      if (!(await pauses.resume(request.params.tag))) {
        throw new FlowyError(
          "not-found",
          `Tag "${request.params.tag}" is not paused`,
          "List paused tags with flowy-client stats (or GET /api/v1/paused-tags).",
        );
      }
      return reply.code(204).send();
    },
  );
}
