/**
 * Every error leaves the server as RFC 9457 problem+json with a hint a person can act on:
 * FlowyErrors as they are, schema validation failures naming the field, anything else as a 500
 * that is logged and says nothing of its internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { FlowyError } from "../../shared/errors.ts";

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describeValidation(issue: AjvIssue, where: string): string {
  const path = `${where}${(issue.instancePath ?? "").replaceAll("/", ".")}`;
  if (issue.keyword === "additionalProperties")
    return `${path} has an unknown field "${String(issue.params?.additionalProperty)}"`;
  if (issue.keyword === "required")
    return `${path} is missing the field "${String(issue.params?.missingProperty)}"`;
  return `${path} ${issue.message ?? "is not valid"}`;
}

export function toFlowyError(
  error: FastifyError & { validation?: AjvIssue[]; validationContext?: string },
): FlowyError {
  if (error instanceof FlowyError) return error;
  if (error.validation?.length) {
    const where = error.validationContext ?? "body";
    const detail = error.validation.map((issue) => describeValidation(issue, where)).join("; ");
    return new FlowyError(
      "invalid-request",
      detail,
      "Fix the named field; GET /openapi.json describes every body.",
      {
        errors: error.validation.map((issue) => describeValidation(issue, where)),
      },
    );
  }
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new FlowyError(
      "payload-too-large",
      error.message,
      "Send less: split large log chunks, keep job specs and inputs small (pass big data by reference).",
    );
  }
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
    return new FlowyError(
      "invalid-request",
      error.message,
      "Send a JSON body with Content-Type: application/json.",
    );
  }
  if (error.statusCode === 400 || error instanceof SyntaxError) {
    return new FlowyError(
      "invalid-request",
      `The body is not valid JSON: ${error.message}`,
      "Send a JSON body with Content-Type: application/json.",
    );
  }
  if (error.statusCode === 429)
    return new FlowyError("rate-limited", error.message, "Slow down and retry after a moment.");
  return new FlowyError(
    "internal",
    "The server failed to handle the request",
    "This is a bug in flowy; the server log has the details.",
  );
}

/** A problem that carries `retry_after_s` (429, 503) also says so in the standard header. */
export function sendProblem(reply: FastifyReply, problem: FlowyError): FastifyReply {
  const retryAfter = problem.extra.retry_after_s;
  if (typeof retryAfter === "number") reply.header("retry-after", String(Math.ceil(retryAfter)));
  return reply
    .code(problem.status)
    .type("application/problem+json")
    .send(JSON.stringify(problem.toProblem()));
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toFlowyError(error);
    if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new FlowyError(
        "not-found",
        `No route ${request.method} ${request.url.split("?")[0]}`,
        "The API lives under /api/v1; see GET /openapi.json.",
      ),
    ),
  );
}
