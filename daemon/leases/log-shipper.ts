/**
 * Ships a job's output.log to the server while it runs, in chunks at byte offsets. The server
 * stores each byte once however often a chunk is resent, so retries never duplicate a line; a
 * `log-gap` answer says where the server's copy ends and the shipper resends from there.
 *
 * Two offsets are kept: how far into the file we have read, and how long the server's log is.
 * They differ only when the output is not valid UTF-8 (the wire carries text). Both are saved in
 * the job directory after each accepted chunk, so a re-adopting daemon carries on where it was.
 */
import { statSync } from "node:fs";
import { open, readFile, writeFile } from "node:fs/promises";
import type { Logger } from "pino";
import { isFlowyError } from "../../shared/errors.ts";
import type { JobDir } from "../process/job-dir.ts";

export type AppendLog = (offset: number, data: string) => Promise<number>;

export interface LogShipperOptions {
  intervalMs?: number;
  chunkBytes?: number;
  logger?: Logger;
}

export class LogShipper {
  private readonly dir: JobDir;
  private readonly append: AppendLog;
  private readonly options: Required<Omit<LogShipperOptions, "logger">> & { logger?: Logger };
  private fileOffset = 0;
  private serverOffset = 0;
  private timer: NodeJS.Timeout | undefined;
  private shipping: Promise<boolean> | undefined;
  private refused = false;

  constructor(dir: JobDir, append: AppendLog, options: LogShipperOptions = {}) {
    this.dir = dir;
    this.append = append;
    // `??`, not a spread: an `intervalMs: undefined` passed along must not mean setInterval(fn, 1).
    this.options = {
      intervalMs: options.intervalMs ?? 500,
      chunkBytes: options.chunkBytes ?? 256 * 1024,
      logger: options.logger,
    };
  }

  /** Ships periodically until `finish()`; `resume` picks up the offsets a previous daemon saved. */
  async start(resume = false): Promise<void> {
    if (resume) {
      const saved = await readFile(this.dir.file("logOffsets"), "utf8").catch(() => "");
      const [file, server] = saved.trim().split(" ").map(Number);
      if (Number.isInteger(file) && Number.isInteger(server)) {
        this.fileOffset = file!;
        this.serverOffset = server!;
      }
    }
    this.timer = setInterval(() => void this.shipOnce(), this.options.intervalMs);
  }

  /** Stops the timer and ships what is left; false when some of the log did not make it. */
  async finish(): Promise<boolean> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.shipping;
    for (;;) {
      const size = await fileSize(this.dir.file("log"));
      if (size <= this.fileOffset) return true;
      if (!(await this.shipOnce())) return false;
    }
  }

  /** Ships one chunk; true when it was accepted (or there was nothing to ship). */
  private shipOnce(): Promise<boolean> {
    if (this.refused) return Promise.resolve(false);
    this.shipping ??= this.ship().finally(() => {
      this.shipping = undefined;
    });
    return this.shipping;
  }

  private async ship(): Promise<boolean> {
    const chunk = await this.readChunk();
    if (chunk === undefined) return true;
    try {
      this.serverOffset = await this.append(this.serverOffset, chunk.text);
      this.fileOffset += chunk.bytes;
      await writeFile(this.dir.file("logOffsets"), `${this.fileOffset} ${this.serverOffset}\n`);
      return true;
    } catch (error) {
      if (isFlowyError(error, "log-gap") && typeof error.extra.expected_offset === "number") {
        this.serverOffset = error.extra.expected_offset;
        return this.ship();
      }
      if (isFlowyError(error, "lease-lost") || isFlowyError(error, "not-found")) this.refused = true;
      this.options.logger?.warn(
        { job_id: this.dir.jobId, err: (error as Error).message },
        "log chunk not shipped",
      );
      return false;
    }
  }

  private async readChunk(): Promise<{ text: string; bytes: number } | undefined> {
    const size = await fileSize(this.dir.file("log"));
    if (size <= this.fileOffset) return undefined;
    const length = Math.min(size - this.fileOffset, this.options.chunkBytes);
    const handle = await open(this.dir.file("log"), "r");
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, this.fileOffset);
      const end = utf8Boundary(buffer.subarray(0, bytesRead));
      return { text: buffer.subarray(0, end).toString("utf8"), bytes: end };
    } finally {
      await handle.close();
    }
  }
}

/**
 * Where to cut a chunk so no UTF-8 character is split across two chunks (the wire carries
 * text). A chunk that is nothing but an incomplete character is sent whole.
 */
export function utf8Boundary(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    const cut = needed > back ? bytes.length - back : bytes.length;
    return cut > 0 ? cut : bytes.length;
  }
  return bytes.length;
}

/** The last `maxBytes` of the job's output, for the failure report. */
export async function readTail(path: string, maxBytes = 4096): Promise<string> {
  const size = await fileSize(path);
  if (size === 0) return "";
  const handle = await open(path, "r");
  try {
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** Sync on purpose: one stat without the thread pool, and no exception when the file is not there. */
async function fileSize(path: string): Promise<number> {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}
