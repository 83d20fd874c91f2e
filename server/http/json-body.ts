/**
 * JSON bodies, parsed as fastify does by default (prototype poisoning refused), except that an
 * empty body is no body: many HTTP clients send `Content-Type: application/json` on a body-less
 * POST such as a cancel, and that is not an error. A route that needs a body still refuses a
 * missing one through its schema.
 */
import type { FastifyInstance } from "fastify";

export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    parse(request, text, done);
  });
}
