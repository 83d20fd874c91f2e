import { randomBytes } from "node:crypto";

/** Crockford's base32, lower-cased so ids sort and compare the same everywhere. */
const DIGITS = "0123456789abcdefghjkmnpqrstvwxyz";
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;

/** The time part of an id: `time` (epoch ms, 48 bits) in 10 base32 digits, most significant first. */
function encodeTime(time: number): string {
  let out = "";
  for (let i = 0, rest = time; i < TIME_LENGTH; i++, rest = Math.floor(rest / 32)) {
    out = DIGITS[rest % 32] + out;
  }
  return out;
}

/**
 * Random bytes are drawn 4 KiB at a time: one crypto call per 256 new milliseconds instead of one
 * per digit (the `ulid` package's way cost ~36 µs an id).
 */
let pool = Buffer.alloc(0);
let poolOffset = 0;
function randomDigits(): number[] {
  if (poolOffset + RANDOM_LENGTH > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const digits = new Array<number>(RANDOM_LENGTH);
  // 256 is a multiple of 32, so each digit is uniform.
  for (let i = 0; i < RANDOM_LENGTH; i++) digits[i] = pool[poolOffset + i]! & 31;
  poolOffset += RANDOM_LENGTH;
  return digits;
}

let lastTime = -1;
let lastDigits: number[] = [];

/** Adds one to the random part; false when it was all ones (then the caller moves on a millisecond). */
function increment(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]!++;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

/**
 * Time-sortable job id (a ULID, lower-cased). Monotonic within the process: ids minted in the same
 * millisecond, or while the clock stands behind the last one, count up from the last id, so ids
 * sort in the order they were made.
 */
export function newJobId(now: number = Date.now()): string {
  if (now > lastTime) {
    lastTime = now;
    lastDigits = randomDigits();
  } else if (!increment(lastDigits)) {
    lastTime++;
    lastDigits = randomDigits();
  }
  let random = "";
  for (const digit of lastDigits) random += DIGITS[digit];
  return encodeTime(lastTime) + random;
}

/** The smallest job id minted at `time`: every job created before `time` has an id below it. */
export function jobIdFloor(time: number): string {
  return encodeTime(time) + "0".repeat(RANDOM_LENGTH);
}

export function newWorkerId(hostname: string): string {
  const host = hostname.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 40) || "worker";
  return `${host}-${randomBytes(4).toString("hex")}`;
}

export const JOB_ID_PATTERN = "^[0-9a-z]{26}$";
