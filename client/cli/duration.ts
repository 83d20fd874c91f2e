/** Durations and times as people type them: `90`, `90s`, `1m30s`, `500ms`, `2h`; `+10m`, ISO-8601. */
import { parseDuration } from "../../shared/duration.ts";
import { FlowyError } from "../../shared/errors.ts";

export { formatDuration, parseDuration } from "../../shared/duration.ts";

export function requireDuration(text: string, option: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new FlowyError(
      "invalid-request",
      `${option} ${JSON.stringify(text)} is not a duration`,
      `Write seconds (${option} 90) or with units (${option} 90s, 1m30s, 2h).`,
    );
  }
  return ms;
}

/** `--at`: an ISO-8601 time, or `+DURATION` / `in DURATION` from now. Returns ISO-8601 (UTC). */
export function parseAt(text: string, now: number = Date.now()): string {
  const relative = /^(?:\+|in\s+)(.+)$/i.exec(text.trim());
  const ms = relative ? parseDuration(relative[1]!) : undefined;
  if (ms !== undefined) return new Date(now + ms).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (!Number.isNaN(at)) return new Date(at).toISOString();
  throw new FlowyError(
    "invalid-request",
    `--at ${JSON.stringify(text)} is not a time`,
    "Give an ISO-8601 time (--at 2030-01-31T09:00:00Z) or a delay from now (--at +10m, --at 'in 2h').",
  );
}

/** `--since 1h` (that long ago) or an ISO-8601 time: a point in the past, for searches. */
export function parseSince(text: string, option: string, now: number = Date.now()): Date {
  const ms = parseDuration(text);
  if (ms !== undefined && ms >= 0) return new Date(now - ms);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (!Number.isNaN(at)) return new Date(at);
  throw new FlowyError(
    "invalid-request",
    `${option} ${JSON.stringify(text)} is not a time`,
    `Give how long ago (${option} 1h, ${option} 2d) or an ISO-8601 time (${option} 2030-01-31T09:00:00Z).`,
  );
}
