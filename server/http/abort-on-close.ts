import type { FastifyReply } from "fastify";

/** An AbortSignal that fires when the client hangs up before the reply is sent (long polls). */
export function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
