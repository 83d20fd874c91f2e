/**
 * Reading a job's log as chunks. Without `follow`: what is stored for one attempt, read to the
 * end. With `follow`: waits for the job to start, streams each attempt as it is written, moves on
 * to the next attempt when the job is retried, resumes at the last offset after a dropped
 * connection, and ends when the job is finished.
 */
import { isLeased } from "../shared/states.ts";
import { type ReconnectOptions, Reconnector } from "./reconnect.ts";
import { isFinished, type JobPoller } from "./wait-for-job.ts";

export interface LogChunk {
  attempt: number;
  data: string;
}

export interface LogOptions extends ReconnectOptions {
  /** Which attempt (default: the latest; when following, every attempt from the current one). */
  attempt?: number;
  follow?: boolean;
}

/** The part of FlowyClient the log reader needs. */
export interface LogSource extends JobPoller {
  readLog(
    id: string,
    options: { attempt?: number; offset?: number; signal?: AbortSignal },
  ): Promise<{ data: string; attempt: number; length: number }>;
  streamLog(
    id: string,
    attempt: number,
    offset: number,
    signal?: AbortSignal,
  ): Promise<AsyncIterable<string>>;
}

const IDLE_POLL_S = 30;

export async function* readLogs(
  api: LogSource,
  id: string,
  options: LogOptions = {},
): AsyncGenerator<LogChunk, void, undefined> {
  if (options.follow) {
    yield* followLogs(api, id, options);
    return;
  }
  let offset = 0;
  for (;;) {
    const log = await api.readLog(id, { attempt: options.attempt, offset, signal: options.signal });
    if (log.data) yield { attempt: log.attempt, data: log.data };
    offset += Buffer.byteLength(log.data);
    if (!log.data || offset >= log.length) return;
  }
}

async function* followLogs(api: LogSource, id: string, options: LogOptions): AsyncGenerator<LogChunk> {
  const { signal } = options;
  const reconnector = new Reconnector(options);
  let attempt = options.attempt;
  let offset = 0;
  while (!signal?.aborted) {
    try {
      const job = await api.get(id, signal);
      reconnector.connected();
      if (attempt === undefined || (options.attempt === undefined && job.attempt > attempt)) {
        if (job.attempt === 0) {
          // Not started yet: nothing to stream until a worker claims it.
          if (isFinished(job)) return;
          await api.getChanged(id, job.version, IDLE_POLL_S, signal);
          continue;
        }
        if (attempt !== undefined) offset = 0;
        attempt = job.attempt;
      }
      for await (const data of await api.streamLog(id, attempt, offset, signal)) {
        offset += Buffer.byteLength(data);
        yield { attempt, data };
      }
      const after = await api.get(id, signal);
      const attemptOver = after.attempt !== attempt || !isLeased(after.state);
      if (attemptOver && (isFinished(after) || options.attempt !== undefined)) return;
      // Between attempts (a retry is scheduled): wait for the job to move before looking again.
      if (attemptOver) await api.getChanged(id, after.version, IDLE_POLL_S, signal);
    } catch (error) {
      if (signal?.aborted) return;
      await reconnector.recover(error);
    }
  }
}
