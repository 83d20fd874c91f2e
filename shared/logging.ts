/**
 * pino JSON logs with stable field names: job_id, worker_id, attempt, lease_token. Secrets are
 * redacted wherever they appear in a logged object.
 */
import { pino, type Logger } from "pino";

export const REDACT_PATHS = [
  "api_key",
  "apiKey",
  "*.api_key",
  "*.apiKey",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "authorization",
];

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
export const LOG_LEVELS: LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function createLogger(
  name: string,
  level: LogLevel = "info",
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
