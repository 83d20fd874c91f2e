#!/usr/bin/env node
/** flowy-server: runs the job server. */
import { Command, InvalidArgumentError, Option } from "commander";
import { FlowyError } from "../shared/errors.ts";
import { createLogger, LOG_LEVELS, type LogLevel } from "../shared/logging.ts";
import { defaultDbPath } from "../shared/platform-paths.ts";
import { DASHBOARD_LANG_SETTINGS, type DashboardLangSetting } from "./http/dashboard/language.ts";
import { startDaemonChild } from "./daemon-child.ts";
import { createFlowyServer, FLOWY_VERSION } from "./flowy-server.ts";
import { parseTrustProxy, type TrustProxy } from "./http/trust-proxy.ts";
import { addKeysCommand } from "./keys-command.ts";
import { openReplication, openStore } from "./store/open-store.ts";

export const DEFAULT_PORT = 7411;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
}
function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive whole number");
  return n;
}
function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("must be a number, 0 or more");
  return n;
}
function trustProxy(value: string): TrustProxy {
  try {
    return parseTrustProxy(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

interface StartOptions {
  insecureNoAuth?: boolean;
  host: string;
  port: number;
  db: string;
  logLevel: LogLevel;
  leaseS: number;
  maxAttempts: number;
  reaperIntervalMs: number;
  retainDays: number;
  dbPoolSize: number;
  dashboardLang: DashboardLangSetting;
  withDaemon?: boolean;
  trustProxy?: TrustProxy;
}

async function start(opts: StartOptions): Promise<void> {
  const logger = createLogger("flowy-server", opts.logLevel);
  if (!isLoopback(opts.host) && !opts.insecureNoAuth) {
    const probe = await openStore(opts.db, logger);
    const keyCount = (await probe.listApiKeys()).length;
    await probe.close();
    if (keyCount === 0) {
      throw new FlowyError(
        "invalid-request",
        `Refusing to listen on ${opts.host} without API keys: anyone who can reach it could run commands on your workers`,
        "Create a key first (flowy-server keys create --role admin --name me), or listen on 127.0.0.1, or pass --insecure-no-auth if something else guards the network.",
      );
    }
  }
  if (opts.insecureNoAuth) {
    logger.warn(
      "--insecure-no-auth: the server accepts requests without API keys from any address that reaches it",
    );
    process.stderr.write(
      "WARNING: --insecure-no-auth: anyone who can reach this server can run commands on its workers.\n",
    );
  }
  const store = await openStore(opts.db, logger, {
    poolSize: opts.dbPoolSize,
    // As PostgreSQL does on a failed fsync: stop, and let the supervisor restart from the log.
    onFatal: (error) => {
      logger.fatal({ err: error }, "the database can no longer make writes durable; exiting");
      process.stderr.write(`flowy-server: ${error.message}\n`);
      process.exit(70);
    },
  });
  const { feed, leadership } = await openReplication(store, logger);
  const server = await createFlowyServer({
    store,
    feed,
    leadership,
    logger,
    defaults: { leaseS: opts.leaseS, maxAttempts: opts.maxAttempts },
    reaperIntervalMs: opts.reaperIntervalMs,
    retainFinishedMs: opts.retainDays > 0 ? opts.retainDays * 86_400_000 : null,
    dashboardLang: opts.dashboardLang,
    trustProxy: opts.trustProxy,
  });
  const address = await server.listen(opts.host, opts.port);
  logger.info(
    { address, db: store.kind === "sqlite" ? opts.db : "postgres", version: FLOWY_VERSION },
    "flowy server listening",
  );
  process.stdout.write(
    `flowy server listening on ${address} (db: ${store.kind === "sqlite" ? opts.db : "postgres"})\n`,
  );
  const daemon = opts.withDaemon ? startDaemonChild(address, logger) : undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    // The daemon drains first, so it can still report its jobs to this server.
    (daemon?.stop() ?? Promise.resolve())
      .then(() => server.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function dbOption(): Option {
  return new Option(
    "--db <path|url>",
    "SQLite file, or postgres://USER@HOST/DB[?schema=NAME] shared by replicas",
  )
    .env("FLOWY_DB")
    .default(defaultDbPath());
}

const program = new Command("flowy-server")
  .description("The flowy job server: hands out jobs under leases over a REST API (/api/v1).")
  .version(FLOWY_VERSION);

program
  .command("start")
  .description("Run the server in the foreground (SIGTERM/Ctrl-C stops it cleanly).")
  .addOption(new Option("--host <host>", "address to listen on").env("FLOWY_HOST").default("127.0.0.1"))
  .addOption(
    new Option("--port <port>", "port to listen on (0 picks a free one)")
      .env("FLOWY_PORT")
      .argParser(port)
      .default(DEFAULT_PORT),
  )
  .addOption(dbOption())
  .addOption(
    new Option("--db-pool-size <n>", "PostgreSQL connections per server")
      .env("FLOWY_DB_POOL_SIZE")
      .argParser(positiveInteger)
      .default(10),
  )
  .option("--with-daemon", "also run a local daemon-flowy pointed at this server (it stops with the server)")
  .option("--insecure-no-auth", "allow listening beyond loopback without API keys (loudly warned)")
  .addOption(
    new Option(
      "--trust-proxy <proxies>",
      "believe X-Forwarded-For/-Proto from these reverse proxies (addresses or CIDRs, comma-separated, or a hop count)",
    )
      .env("FLOWY_TRUST_PROXY")
      .argParser(trustProxy),
  )
  .addOption(
    new Option("--log-level <level>", "log level").env("FLOWY_LOG_LEVEL").choices(LOG_LEVELS).default("info"),
  )
  .addOption(
    new Option("--lease-s <seconds>", "default lease for jobs that set none")
      .argParser(positiveNumber)
      .default(60),
  )
  .addOption(
    new Option("--max-attempts <n>", "default attempts for jobs that set none")
      .argParser(positiveNumber)
      .default(3),
  )
  .addOption(
    new Option("--retain-days <days>", "keep finished and deleted jobs this long (0: forever)")
      .env("FLOWY_RETAIN_DAYS")
      .argParser(nonNegativeNumber)
      .default(7),
  )
  .addOption(
    new Option("--reaper-interval-ms <ms>", "how often leases and schedules are checked at most")
      .argParser(positiveNumber)
      .default(1000),
  )
  .addOption(
    new Option("--dashboard-lang <lang>", "dashboard language (auto: from the browser)")
      .env("FLOWY_DASHBOARD_LANG")
      .choices(DASHBOARD_LANG_SETTINGS)
      .default("auto"),
  )
  .action(start);

addKeysCommand(program, dbOption);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof FlowyError ? `${error.message}\n${error.hint ?? ""}` : String(error);
  process.stderr.write(`flowy-server: ${message}\n`);
  process.exit(1);
}
