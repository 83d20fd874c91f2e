import { randomBytes } from "node:crypto";
import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/** Time-sortable job id (ULID), lower-cased so ids sort and compare the same everywhere. */
export function newJobId(now: number = Date.now()): string {
  return nextUlid(now).toLowerCase();
}

export function newWorkerId(hostname: string): string {
  const host = hostname.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 40) || "worker";
  return `${host}-${randomBytes(4).toString("hex")}`;
}

export const JOB_ID_PATTERN = "^[0-9a-z]{26}$";
