/**
 * Authentication and roles. Every route carries its access from ROUTE_ROLES; an undeclared route
 * fails at registration. Whether keys are required is the KeyService's decision, made at start
 * and never undone (see key-service.ts); then every non-public route needs one:
 * `Authorization: Bearer <key>`, or the dashboard's `flowy_api_key` cookie.
 *
 * A presented key is checked before the failure limiter is consulted, and only failures are
 * counted: many clients share one address behind NAT or a proxy, and one of them guessing keys
 * must never stop another's valid worker key (its heartbeats keep its jobs alive).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { FlowyError } from "../../shared/errors.ts";
import { keysCommandLine } from "../model/keys-command-line.ts";
import type { Role } from "../model/records.ts";
import { type KeyService, offlineAdminKeyHint } from "../service/key-service.ts";
import { FailureLimiter } from "./failure-limiter.ts";
import { sendProblem } from "./problem.ts";
import { type Access, accessFor } from "./route-roles.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** "METHOD /url" of every route registered, for the test that checks they are all declared. */
    flowyRoutes: string[];
  }
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The caller's role; "open" when the server has no keys. */
    flowyRole: Role | "open" | "public";
    /** The name of the key the caller authenticated with, if any. */
    flowyKey: string | null;
    /** The name of the caller's API key; null without one (an open server, a public route). */
    flowyKeyName: string | null;
  }
}

export const KEY_COOKIE = "flowy_api_key";

export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === "string" && /^bearer\s+/i.test(header))
    return header.replace(/^bearer\s+/i, "").trim();
  const cookie = request.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === KEY_COOKIE) return decodeCookie(value.join("="));
  }
  return undefined;
}

/** A cookie that is not valid percent-encoding is kept as sent: it then fails as any wrong key does. */
function decodeCookie(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function installAuth(app: FastifyInstance, keys: KeyService): void {
  const limiter = new FailureLimiter({ windowMs: 60_000, maxFailures: 20 });
  app.decorateRequest("flowyRole", "public");
  app.decorateRequest("flowyKey", null);
  app.decorateRequest("flowyKeyName", null);
  const routes: string[] = [];
  app.decorate("flowyRoutes", routes);
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routes.push(`${method} ${route.url}`);
      const access = accessFor(method, route.url);
      if (access === undefined) {
        throw new Error(
          `Route ${method} ${route.url} has no access declaration in server/http/route-roles.ts`,
        );
      }
      route.config = { ...route.config, access };
    }
  });
  app.addHook("onRequest", async (request, reply) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === "public") return;
    const refusal = await authorize(request, access, keys, limiter);
    if (refusal) return refuse(reply, refusal);
  });
}

async function authorize(
  request: FastifyRequest,
  access: Role[],
  keys: KeyService,
  limiter: FailureLimiter,
): Promise<FlowyError | undefined> {
  const key = presentedKey(request);
  if (key === undefined) {
    if (!(await keys.authRequired())) {
      request.flowyRole = "open";
      return undefined;
    }
    return new FlowyError(
      "unauthorized",
      "This server requires an API key",
      `Pass one with --api-key or FLOWY_API_KEY (header: Authorization: Bearer <key>). An admin creates keys with: ${keysCommandLine("create --role client|worker --name NAME")}`,
    );
  }
  const record = await keys.authenticate(key);
  if (!record) return refuseInvalidKey(request, keys, limiter);
  request.flowyRole = record.role;
  request.flowyKey = `key:${record.name}`;
  request.flowyKeyName = record.name;
  if (!access.includes(record.role)) {
    return new FlowyError(
      "forbidden",
      `A ${record.role} key may not ${request.method} ${request.routeOptions.url}`,
      `This needs a key with one of the roles: ${access.join(", ")}.`,
    );
  }
  return undefined;
}

async function refuseInvalidKey(
  request: FastifyRequest,
  keys: KeyService,
  limiter: FailureLimiter,
): Promise<FlowyError> {
  if (limiter.isBlocked(request.ip)) {
    return new FlowyError(
      "rate-limited",
      "Too many failed authentications from this address",
      "Wait a minute, then retry with a valid key (a valid key is always accepted).",
      { retry_after_s: Math.ceil(limiter.windowMs / 1000) },
    );
  }
  limiter.recordFailure(request.ip);
  const hint = (await keys.anyActive())
    ? `Check the key you pass; an admin can list keys with: ${keysCommandLine("list")}`
    : `No active key is left on this server; ${offlineAdminKeyHint()}`;
  return new FlowyError("unauthorized", "The API key is not valid (unknown or revoked)", hint);
}

function refuse(reply: FastifyReply, error: FlowyError): FastifyReply {
  if (error.status === 401) reply.header("www-authenticate", 'Bearer realm="flowy"');
  return sendProblem(reply, error);
}
