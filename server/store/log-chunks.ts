/** Offset-based job logs, shared by both stores: what to store of a chunk, and how to read a range. */

export interface LogChunkTarget {
  logLength(jobId: string, attempt: number): number;
  insertLogChunk(jobId: string, attempt: number, offset: number, data: string, now: number): void;
}

/**
 * Offset-based append: bytes the log already holds are skipped, so a retried chunk is stored once;
 * a chunk that would leave a gap is refused with the offset the caller should send from.
 */
export function appendLogChunk(
  target: LogChunkTarget,
  jobId: string,
  attempt: number,
  offset: number,
  data: string,
  now: number,
): number {
  const length = target.logLength(jobId, attempt);
  if (offset > length) throw new LogGapError(length);
  const bytes = Buffer.from(data);
  const end = offset + bytes.length;
  if (end <= length) return length;
  const fresh = bytes.subarray(length - offset).toString();
  target.insertLogChunk(jobId, attempt, length, fresh, now);
  return end;
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
  rows: Array<{ offset: number; data: string }>,
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
