/**
 * Offset-based job logs, shared by both stores: what to store of a chunk, and how to read a range.
 * The decision is a pure function of the stored length so a synchronous store (SQLite, inside its
 * group-commit transaction) and an asynchronous one (PostgreSQL, inside its own transaction) both
 * use this one implementation.
 *
 * Offsets count bytes, so logs are stored as bytes: a chunk resent from an offset inside one of
 * its characters stores the remaining bytes of that character, not a replacement character.
 * Each attempt's log is capped; the chunk that reaches the cap is cut and ends with a marker line,
 * and later chunks are refused with `log-full` so the daemon stops shipping.
 */
import { FlowyError } from "../../shared/errors.ts";

/** Each attempt's log is cut at this many bytes unless the server is told otherwise. */
export const DEFAULT_MAX_LOG_BYTES = 64 * 1_048_576;

/** What to do with a chunk: nothing new (already stored), or store `data` at `offset`. */
export type LogAppendPlan =
  | { store: false; length: number }
  | { store: true; offset: number; data: Buffer; length: number };

/** The line that ends a log cut at its cap. */
export function logCutMarker(maxBytes: number): Buffer {
  return Buffer.from(
    `\n[flowy: this attempt's log reached its limit of ${maxBytes} bytes; the rest was not stored]\n`,
  );
}

/**
 * Offset-based append: bytes the log already holds are skipped, so a retried chunk is stored once;
 * a chunk that would leave a gap is refused with the offset the caller should send from; a chunk
 * past the cap is cut (with the marker) or, once the log is full, refused.
 */
export function planLogAppend(
  storedLength: number,
  offset: number,
  data: string,
  maxBytes = DEFAULT_MAX_LOG_BYTES,
): LogAppendPlan {
  if (offset > storedLength) throw new LogGapError(storedLength);
  const bytes = Buffer.from(data);
  const end = offset + bytes.length;
  if (end <= storedLength) return { store: false, length: storedLength };
  if (storedLength >= maxBytes) {
    // A resend of the chunk that was cut (its answer lost) gets that answer again; a chunk
    // from the end of the full log on is refused.
    if (offset < storedLength) return { store: false, length: storedLength };
    throw logFull(maxBytes);
  }
  const fresh = bytes.subarray(storedLength - offset);
  if (end <= maxBytes) return { store: true, offset: storedLength, data: fresh, length: end };
  const marker = logCutMarker(maxBytes);
  const room = Math.max(0, maxBytes - marker.length - storedLength);
  const cut = Buffer.concat([fresh.subarray(0, room), marker]);
  return { store: true, offset: storedLength, data: cut, length: storedLength + cut.length };
}

function logFull(maxBytes: number): FlowyError {
  return new FlowyError(
    "log-full",
    `This attempt's log reached its limit of ${maxBytes} bytes; nothing more is stored`,
    "The full output stays in the job's directory on the worker; raise the server's --max-log-bytes to keep more.",
  );
}

export class LogGapError extends Error {
  readonly expectedOffset: number;
  constructor(expectedOffset: number) {
    super(`log chunk starts past the end of the stored log (${expectedOffset} bytes)`);
    this.expectedOffset = expectedOffset;
  }
}

/**
 * Joins the stored pieces of [offset, offset + maxBytes). Each row holds only the bytes of its
 * chunk that the store's query cut out for this range (`start` is where they begin in the log).
 */
export function joinLogPieces(
  rows: Array<{ start: number | bigint | string; data: Uint8Array }>,
  offset: number,
  maxBytes: number,
): Buffer {
  const parts: Buffer[] = [];
  let taken = 0;
  for (const row of rows) {
    const bytes = Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    const skip = Math.max(0, offset - Number(row.start));
    const piece = bytes.subarray(skip, skip + (maxBytes - taken));
    parts.push(piece);
    taken += piece.length;
    if (taken >= maxBytes) break;
  }
  return Buffer.concat(parts);
}
