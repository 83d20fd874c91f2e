/**
 * Offset-based job logs, shared by both stores: what to store of a chunk, and how to read a range.
 * The decision is a pure function of the stored length so a synchronous store (SQLite, inside its
 * group-commit transaction) and an asynchronous one (PostgreSQL, inside its own transaction) both
 * use this one implementation.
 */

/** What to do with a chunk: nothing new (already stored), or store `data` at `offset`. */
export type LogAppendPlan =
  | { store: false; length: number }
  | { store: true; offset: number; data: string; length: number };

/**
 * Offset-based append: bytes the log already holds are skipped, so a retried chunk is stored once;
 * a chunk that would leave a gap is refused with the offset the caller should send from.
 */
export function planLogAppend(storedLength: number, offset: number, data: string): LogAppendPlan {
  if (offset > storedLength) throw new LogGapError(storedLength);
  const bytes = Buffer.from(data);
  const end = offset + bytes.length;
  if (end <= storedLength) return { store: false, length: storedLength };
  const fresh = bytes.subarray(storedLength - offset).toString();
  return { store: true, offset: storedLength, data: fresh, length: end };
}

export class LogGapError extends Error {
  readonly expectedOffset: number;
  constructor(expectedOffset: number) {
    super(`log chunk starts past the end of the stored log (${expectedOffset} bytes)`);
    this.expectedOffset = expectedOffset;
  }
}

/** Cuts stored chunks down to [offset, offset + maxBytes). */
export function sliceLog(
  rows: Array<{ offset: number; data: string | Uint8Array }>,
  offset: number,
  maxBytes: number,
  length: number,
): { data: string; length: number } {
  const parts: Buffer[] = [];
  let taken = 0;
  for (const row of rows) {
    const bytes = Buffer.from(row.data);
    const start = Math.max(0, offset - Number(row.offset));
    const piece = bytes.subarray(start, start + (maxBytes - taken));
    parts.push(piece);
    taken += piece.length;
    if (taken >= maxBytes) break;
  }
  return { data: Buffer.concat(parts).toString(), length };
}
