/**
 * Rate limits as people write them: `100/min` — at most 100 starts in any window of one minute.
 * The units are the ones the CLI and the wire accept (`/s`, `/min`, `/h`); a rate is kept as a
 * count and a window in ms.
 */

export interface Rate {
  /** Starts allowed in any window of `windowMs`. */
  limit: number;
  windowMs: number;
}

const UNITS: Record<string, number> = { s: 1_000, min: 60_000, h: 3_600_000 };

/** The wire's and the CLI's form of a rate. */
export const RATE_PATTERN = "^[1-9][0-9]{0,5}/(s|min|h)$";

/** `100/min` → {limit: 100, windowMs: 60000}; undefined when it is not of that form. */
export function parseRate(text: string): Rate | undefined {
  const match = new RegExp(RATE_PATTERN).exec(text.trim());
  if (!match) return undefined;
  const [count, unit] = text.trim().split("/") as [string, string];
  return { limit: Number(count), windowMs: UNITS[unit]! };
}

/** The window as a unit name (`min`), or in seconds when it is not one of the units. */
export function windowName(windowMs: number): string {
  const unit = Object.entries(UNITS).find(([, ms]) => ms === windowMs)?.[0];
  return unit ?? `${windowMs / 1000} s`;
}

/** {limit: 100, windowMs: 60000} → `100/min`. */
export function formatRate(rate: Rate): string {
  return `${rate.limit}/${windowName(rate.windowMs)}`;
}
