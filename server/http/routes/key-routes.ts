/** Key management over the API (admin only): create (the key is in the answer, once), list, revoke. */
import { type Static, Type as T } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ApiKeyRecord } from "../../model/records.ts";
import type { Services } from "../services.ts";

const Role = T.Union([T.Literal("admin"), T.Literal("client"), T.Literal("worker")]);
const CreateKeyBody = T.Object(
  { name: T.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" }), role: Role },
  { additionalProperties: false },
);
const KeySchema = T.Object({
  name: T.String(),
  role: Role,
  prefix: T.String(),
  created_at: T.String(),
  last_used_at: T.Union([T.String(), T.Null()]),
});
const NameParams = T.Object(
  { name: T.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export function toWireKey(key: ApiKeyRecord) {
  return {
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    created_at: new Date(key.createdAt).toISOString(),
    last_used_at: key.lastUsedAt === null ? null : new Date(key.lastUsedAt).toISOString(),
  };
}

export function registerKeyRoutes(app: FastifyInstance, services: Services): void {
  const { keys } = services;
  app.get(
    "/keys",
    {
      schema: {
        tags: ["keys"],
        summary: "List active API keys (never the keys themselves)",
        response: { 200: T.Object({ keys: T.Array(KeySchema) }) },
      },
    },
    async () => ({
      keys: (await keys.list()).map(toWireKey),
    }),
  );
  app.post<{ Body: Static<typeof CreateKeyBody> }>(
    "/keys",
    {
      schema: {
        tags: ["keys"],
        summary: "Create an API key; the answer is the only time the key is shown",
        body: CreateKeyBody,
        response: { 201: T.Intersect([KeySchema, T.Object({ key: T.String() })]) },
      },
    },
    async (request, reply) => {
      const { key, record } = await keys.create(request.body.name, request.body.role);
      return reply.code(201).send({ ...toWireKey(record), key });
    },
  );
  app.delete<{ Params: Static<typeof NameParams> }>(
    "/keys/:name",
    { schema: { tags: ["keys"], summary: "Revoke an API key", params: NameParams } },
    async (request, reply) => {
      await keys.revoke(request.params.name);
      return reply.code(204).send();
    },
  );
}
