/**
 * What every route's options repeat: the OpenAPI tag of its group, a one-line summary, and the
 * TypeBox schemas that validate (and document) its params, querystring, body and answers.
 */
import type { FastifySchema } from "fastify";

type RouteParts = Omit<FastifySchema, "tags" | "summary">;

/** `routeDocs("jobs")("Submit a job", { body })` is `{ schema: { tags: ["jobs"], summary: "Submit a job", body } }`. */
export function routeDocs(tag: string): (summary: string, parts?: RouteParts) => { schema: FastifySchema } {
  return (summary, parts = {}) => ({ schema: { tags: [tag], summary, ...parts } });
}
