/**
 * The server reaching a daemon at once: its long-poll control request (cancels of its jobs, a
 * drain), and an operator's drain of a worker.
 */
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ControlBody, ControlResponse, WorkerIdParams, WorkerSchema } from "../../../shared/protocol.ts";
import { abortOnClose } from "../abort-on-close.ts";
import type { Services } from "../services.ts";
import { toWireWorker } from "../wire.ts";

type Params = Static<typeof WorkerIdParams>;

export function registerControlRoutes(app: FastifyInstance, services: Services): void {
  const { control, clock } = services;

  app.post<{ Params: Params; Body: Static<typeof ControlBody> }>(
    "/workers/:id/control",
    {
      schema: {
        tags: ["workers"],
        summary:
          "Long-poll for what the worker must do now: jobs of its being canceled, a drain. Answers at once with anything `known` lacks.",
        params: WorkerIdParams,
        body: ControlBody,
        response: { 200: ControlResponse },
      },
    },
    async (request, reply) => {
      const known = { cancel: request.body.known_cancel ?? [], drain: request.body.known_drain ?? false };
      return control.wait(request.params.id, known, request.body.wait_s ?? 0, abortOnClose(reply));
    },
  );

  app.post<{ Params: Params }>(
    "/workers/:id/drain",
    {
      schema: {
        tags: ["workers"],
        summary: "Ask a worker to drain: it stops claiming, finishes its running jobs and exits",
        params: WorkerIdParams,
        response: { 200: WorkerSchema },
      },
    },
    async (request) => toWireWorker(await control.drain(request.params.id), clock()),
  );
}
