/**
 * Durations as people write them, in workflow files and on the command line: `90` (seconds),
 * `90s`, `1m30s`, `1h 30m`, `500ms`, `2d`; and shown back short: `1.2s`, `4m 05s`, `2h 03m`.
 */

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
