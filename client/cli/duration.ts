/** Durations and times as people type them: `90`, `90s`, `1m30s`, `500ms`, `2h`; `+10m`, ISO-8601. */
import { FlowyError } from "../../shared/errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds; a bare number means seconds. Undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().replaceAll(" ", "");
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!DURATION.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, value, unit] of trimmed.matchAll(PART)) ms += Number(value) * UNIT_MS[unit!]!;
  return ms;
}

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

/** `1.2s`, `4m 05s`, `2h 03m`: short, and precise where it matters. */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  const m = Math.floor(s / 60);
  if (m < 1440) return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(m / 1440)}d ${String(Math.floor(m / 60) % 24).padStart(2, "0")}h`;
}
