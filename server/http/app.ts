/**
 * The HTTP app: fastify with strict JSON-schema validation (unknown fields are rejected, not
 * dropped), problem+json errors, the OpenAPI document generated from the same schemas, and the
 * API under /api/v1.
 */
import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import { registerDashboard } from "./dashboard/dashboard-routes.ts";
import type { DashboardLangSetting } from "./dashboard/language.ts";
import { installAuth } from "./auth.ts";
import { type TrustProxy, trustProxyOption } from "./trust-proxy.ts";
import { installProblemHandlers } from "./problem.ts";
import { registerKeyRoutes } from "./routes/key-routes.ts";
import { registerBundleRoutes } from "./routes/bundle-routes.ts";
import { registerMetricsRoute, registerMonitorRoutes } from "./routes/monitor-routes.ts";
import { registerBulkRoutes } from "./routes/bulk-routes.ts";
import { registerClientRoutes } from "./routes/client-routes.ts";
import { registerExplainRoutes } from "./routes/explain-routes.ts";
import { registerLimitRoutes } from "./routes/limit-routes.ts";
import { registerPauseRoutes } from "./routes/pause-routes.ts";
import { registerScheduleRoutes } from "./routes/schedule-routes.ts";
import { registerHealthRoutes, registerStatsRoutes } from "./routes/ops-routes.ts";
import { registerWorkerRoutes } from "./routes/worker-routes.ts";
import { registerControlRoutes } from "./routes/control-routes.ts";
import type { Services } from "./services.ts";
import { installValidators } from "./validators.ts";
import { installJsonBodyParser } from "./json-body.ts";

export const API_PREFIX = "/api/v1";
const BODY_LIMIT = 1_048_576;

export interface AppOptions {
  logger: Logger;
  version: string;
  dashboardLang?: DashboardLangSetting;
  trustProxy?: TrustProxy;
  /** Installs the HTTP request metrics hook. */
  httpMetrics?: (app: FastifyInstance) => void;
}

export async function createApp(services: Services, options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One log line per job event comes from the service; per-request lines would drown them.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // Time to receive a whole request; long polls are already received when they start waiting.
    requestTimeout: 30_000,
    connectionTimeout: 0,
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
    trustProxy: trustProxyOption(options.trustProxy),
  });
  // A client that trickles its headers is cut off instead of holding a socket.
  app.server.headersTimeout = 15_000;
  installProblemHandlers(app);
  installValidators(app);
  installJsonBodyParser(app);
  installAuth(app, services.keys);
  options.httpMetrics?.(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: "flowy job server",
        version: options.version,
        description: "Durable jobs under leases.",
      },
      servers: [{ url: "/" }],
    },
  });
  await app.register(
    async (api) => {
      registerClientRoutes(api, services);
      registerBulkRoutes(api, services);
      registerWorkerRoutes(api, services);
      registerControlRoutes(api, services);
      registerStatsRoutes(api, services);
      registerKeyRoutes(api, services);
      registerBundleRoutes(api, services);
      registerMonitorRoutes(api, services);
      registerPauseRoutes(api, services);
      registerLimitRoutes(api, services);
      registerExplainRoutes(api, services);
      registerScheduleRoutes(api, services);
    },
    { prefix: API_PREFIX },
  );
  registerHealthRoutes(app, services);
  registerMetricsRoute(app, services);
  await registerDashboard(app, { lang: options.dashboardLang ?? "auto", version: options.version });
  return app;
}
