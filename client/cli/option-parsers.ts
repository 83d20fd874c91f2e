/** Commander argument parsers shared by the commands; a bad value is a usage error (exit 1). */
import { InvalidArgumentError } from "commander";
import { parseRate } from "../../shared/rate.ts";

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be a whole number");
  return n;
}

export function positiveInteger(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("must be 1 or more");
  return n;
}

/** A repeatable option: every value in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable option that also takes comma-separated lists (--tag a,b --tag c). */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** A rate: N/s, N/min or N/h (kept as written: the server parses it too). */
export function rate(value: string): string {
  if (!parseRate(value)) throw new InvalidArgumentError("must be N/s, N/min or N/h (e.g. 100/min)");
  return value.trim();
}
