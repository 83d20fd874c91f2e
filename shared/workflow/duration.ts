/** Durations as written in workflow files: `10m`, `1h30m`, `2.5s`, `500ms`, or seconds as a number. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return value > 0 && Number.isFinite(value) ? value * 1000 : undefined;
  const text = value.trim();
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(PART)) {
    if (text.slice(consumed, match.index).trim() !== "") return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = match.index + match[0].length;
  }
  if (consumed === 0 || text.slice(consumed).trim() !== "") return undefined;
  return total > 0 ? total : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}
