/**
 * Who may call what: every route of the server is declared here, once. A route that is not
 * declared refuses to register (see auth.ts), so a new route cannot ship unprotected by accident.
 * "public" routes need no key: health checks, the OpenAPI document, the dashboard's static assets.
 */
import type { Role } from "../model/records.ts";

export type Access = Role[] | "public";

const ALL: Role[] = ["admin", "client", "worker"];
const CLIENT: Role[] = ["admin", "client"];
const WORKER: Role[] = ["admin", "worker"];
const ADMIN: Role[] = ["admin"];

export const ROUTE_ROLES: Record<string, Access> = {
  "GET /healthz": "public",
  "GET /readyz": "public",
  "GET /openapi.json": "public",

  "POST /api/v1/jobs": CLIENT,
  "POST /api/v1/jobs/batch": CLIENT,
  "GET /api/v1/jobs": CLIENT,
  "GET /api/v1/jobs/:id": CLIENT,
  "POST /api/v1/jobs/:id/cancel": CLIENT,
  "POST /api/v1/jobs/:id/requeue": CLIENT,
  "DELETE /api/v1/jobs/:id": CLIENT,
  "POST /api/v1/jobs/bulk": CLIENT,
  "GET /api/v1/jobs/bulk/:id": CLIENT,
  "GET /api/v1/jobs/:id/logs": CLIENT,
  "GET /api/v1/jobs/:id/explain": CLIENT,
  "GET /api/v1/stats": ALL,
  "GET /api/v1/workers": CLIENT,

  "POST /api/v1/workers/register": WORKER,
  "POST /api/v1/jobs/claim": WORKER,
  "POST /api/v1/jobs/:id/heartbeat": WORKER,
  "POST /api/v1/jobs/:id/complete": WORKER,
  "POST /api/v1/jobs/:id/failed": WORKER,
  "POST /api/v1/jobs/report": WORKER,
  "POST /api/v1/jobs/:id/logs": WORKER,
  "GET /api/v1/jobs/running": WORKER,
  "POST /api/v1/workers/:id/control": WORKER,
  "POST /api/v1/workers/:id/drain": CLIENT,
  "POST /api/v1/workers/:id/bundles": WORKER,

  "GET /api/v1/paused-tags": ALL,
  "POST /api/v1/paused-tags": CLIENT,
  "DELETE /api/v1/paused-tags/:tag": CLIENT,
  "GET /api/v1/limits": ALL,
  "GET /api/v1/concurrency-keys": ALL,
  "POST /api/v1/limits": CLIENT,
  "DELETE /api/v1/limits/:key": CLIENT,
  "GET /api/v1/schedules": CLIENT,
  "POST /api/v1/schedules": CLIENT,
  "GET /api/v1/schedules/:name": CLIENT,
  "DELETE /api/v1/schedules/:name": CLIENT,
  "POST /api/v1/schedules/:name/pause": CLIENT,
  "POST /api/v1/schedules/:name/resume": CLIENT,
  "POST /api/v1/schedules/:name/trigger": CLIENT,

  "GET /api/v1/events": CLIENT,
  "GET /api/v1/stats/throughput": ALL,
  // Prometheus scrapes with any key (bearer token) once keys exist.
  "GET /metrics": ALL,

  // The dashboard page loads without a key so it can ask for one; its data needs one.
  "GET /": "public",
  "GET /assets/*": "public",
  "GET /dashboard/session": CLIENT,
  "POST /dashboard/login": CLIENT,
  "POST /dashboard/logout": "public",

  // Clients publish bundles; daemons (and anyone with a key) read them.
  "GET /api/v1/bundles": ALL,
  "GET /api/v1/bundle-history": ALL,
  "GET /api/v1/bundles/:name": ALL,
  "PUT /api/v1/bundles/:name/:version": CLIENT,
  "DELETE /api/v1/bundles/:name/:version": CLIENT,
  "GET /api/v1/bundles/:name/:version/archive": ALL,

  "GET /api/v1/keys": ADMIN,
  "POST /api/v1/keys": ADMIN,
  "DELETE /api/v1/keys/:name": ADMIN,
};

/** Static assets of the dashboard are public so the login page can load. */
export const PUBLIC_PREFIXES = ["/assets/"];

export function accessFor(method: string, url: string): Access | undefined {
  const verb = method === "HEAD" ? "GET" : method;
  if (verb === "GET" && PUBLIC_PREFIXES.some((p) => url.startsWith(p))) return "public";
  return ROUTE_ROLES[`${verb} ${url}`];
}
