/**
 * HTTP to the flowy server, shared by the SDK, the CLI and the daemon's ServerClient: node:http
 * on a keep-alive agent for JSON calls (got cost the daemon ~3× the CPU per call, and a busy worker
 * makes hundreds a second), got for the one streamed read, p-retry for both. Every call has a timeout. Connection errors, timeouts, 5xx and 429 are retried with
 * exponential backoff and jitter, capped; 429's Retry-After is honoured. Other 4xx are never
 * retried. Problem+json answers come back as FlowyError with the server's hint.
 */
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { got, type Method, RequestError } from "got";
import pRetry, { AbortError } from "p-retry";
import { type ErrorCode, ERROR_CODES, FlowyError } from "../shared/errors.ts";
import { ATTEMPT_HEADER } from "../shared/protocol.ts";
import { sleep } from "../shared/sleep.ts";

export interface RetryOptions {
  /** Retries after the first attempt; 0 disables retrying. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Give up retrying after this long in all (ms). */
  maxRetryTimeMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  /** Where the server URL came from ("--server", "server in ~/.flowy"…), for the unreachable hint. */
  serverSource?: string;
  apiKey?: string;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  userAgent?: string;
  onRetry?: (info: { method: string; path: string; attempt: number; error: Error }) => void;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 6, minDelayMs: 200, maxDelayMs: 10_000 };
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** A request that got no answer: refused, reset, timed out. Retried, then reported unreachable. */
export class NetworkError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = "NetworkError";
    this.code = code;
  }
}

interface Answer {
  statusCode: number;
  body: string;
  headers: IncomingHttpHeaders;
}

export class HttpTransport {
  readonly baseUrl: string;
  private readonly serverSource: string | undefined;
  private readonly options: TransportOptions;
  private readonly agent: HttpAgent;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.serverSource = options.serverSource;
    this.options = options;
    // Sockets are reused between calls; an idle one is closed before the server's 75 s would.
    const agentOptions = { keepAlive: true, timeout: 60_000 };
    this.agent = this.baseUrl.startsWith("https:")
      ? new HttpsAgent(agentOptions)
      : new HttpAgent(agentOptions);
  }

  /** Closes the idle sockets (a CLI that is about to exit need not wait for them). */
  close(): void {
    this.agent.destroy();
  }

  /** A JSON request; resolves to the parsed body. */
  async json<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const { body } = await this.request(method, path, options);
    return (body ? JSON.parse(body) : undefined) as T;
  }

  /** A request whose answer is text (logs); resolves to the body and headers. */
  async request(
    method: Method,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ body: string; headers: Record<string, string | string[] | undefined> }> {
    const retry = { ...DEFAULT_RETRY, ...this.options.retry, ...options.retry };
    let retryAfterMs = 0;
    return pRetry(
      async (attempt) => {
        if (retryAfterMs > 0) await sleep(retryAfterMs, options.signal);
        retryAfterMs = 0;
        const response = await this.send(method, path, options, attempt);
        if (response.statusCode < 400) return { body: response.body, headers: response.headers };
        const error = toFlowyError(response.statusCode, response.body, method, path);
        if (!RETRYABLE_STATUS.has(response.statusCode)) throw new AbortError(error);
        if (response.statusCode === 429)
          retryAfterMs = retryAfter(response.headers["retry-after"], retry.maxDelayMs);
        throw error;
      },
      {
        retries: retry.retries,
        factor: 2,
        minTimeout: retry.minDelayMs,
        maxTimeout: retry.maxDelayMs,
        randomize: true,
        maxRetryTime: retry.maxRetryTimeMs,
        signal: options.signal,
        onFailedAttempt: ({ error, attemptNumber }) =>
          this.options.onRetry?.({ method, path, attempt: attemptNumber, error }),
      },
    ).catch((error: unknown) => {
      throw toUnreachable(error, this.baseUrl, this.serverSource);
    });
  }

  /**
   * A GET whose body arrives over time (a followed log). Only opening the stream is checked: an
   * error answer becomes a FlowyError, a refused connection an "unreachable" one. Not retried,
   * because the caller knows where to resume (the offset) and this layer does not.
   */
  async stream(
    path: string,
    options: Omit<RequestOptions, "body" | "retry" | "timeoutMs"> = {},
  ): Promise<{ headers: Record<string, string | string[] | undefined>; chunks: AsyncIterable<string> }> {
    const stream = got.stream(`${this.baseUrl}${path}`, {
      headers: this.headers(options.headers, "text/plain"),
      searchParams: searchParams(options.query),
      timeout: { connect: 10_000, response: 30_000 },
      retry: { limit: 0 },
      throwHttpErrors: false,
      signal: options.signal,
    });
    try {
      const [response] = (await once(stream, "response")) as [
        { statusCode: number; headers: Record<string, string | string[] | undefined> },
      ];
      if (response.statusCode >= 400) {
        let body = "";
        for await (const chunk of stream) body += String(chunk);
        throw toFlowyError(response.statusCode, body, "GET", path);
      }
      stream.setEncoding("utf8");
      return { headers: response.headers, chunks: this.unreachableOnError(stream as AsyncIterable<string>) };
    } catch (error) {
      stream.destroy();
      throw toUnreachable(error, this.baseUrl, this.serverSource);
    }
  }

  /**
   * A PUT of a file's bytes, streamed from disk (a bundle archive). Not retried: a retry after an
   * answer that was lost would meet the version it had just stored.
   */
  async putFile(
    path: string,
    file: string,
    options: Pick<RequestOptions, "query" | "signal"> & { contentType: string },
  ): Promise<string> {
    const { size } = await stat(file);
    try {
      const response = await got.put(`${this.baseUrl}${path}`, {
        body: createReadStream(file),
        headers: {
          ...this.headers(undefined),
          "content-type": options.contentType,
          "content-length": String(size),
        },
        searchParams: searchParams(options.query),
        timeout: { connect: 10_000, response: 10 * 60_000 },
        retry: { limit: 0 },
        throwHttpErrors: false,
        signal: options.signal,
      });
      if (response.statusCode >= 400) throw toFlowyError(response.statusCode, response.body, "PUT", path);
      return response.body;
    } catch (error) {
      throw toUnreachable(error, this.baseUrl, this.serverSource);
    }
  }

  private async *unreachableOnError(chunks: AsyncIterable<string>): AsyncGenerator<string> {
    try {
      yield* chunks;
    } catch (error) {
      throw toUnreachable(error, this.baseUrl, this.serverSource);
    }
  }

  private headers(extra: Record<string, string> | undefined, accept = "application/json") {
    const headers: Record<string, string> = { accept, ...extra };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (this.options.userAgent) headers["user-agent"] = this.options.userAgent;
    return headers;
  }

  private send(method: Method, path: string, options: RequestOptions, attempt = 1): Promise<Answer> {
    const url = new URL(`${this.baseUrl}${path}${queryString(options.query)}`);
    const headers = this.headers(options.headers);
    // Tells the server this is the same request again (a claim then looks for what it leased).
    if (attempt > 1) headers[ATTEMPT_HEADER] = String(attempt);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Answer>((resolve, reject) => {
      const fail = (error: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(options.signal?.aborted ? error : new NetworkError(error.message, error.code ?? "ECONNRESET"));
      };
      const req = request(url, { method, headers, agent: this.agent, signal: options.signal }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ statusCode: res.statusCode ?? 0, body: text, headers: res.headers });
        });
        res.on("error", fail);
      });
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
      }, timeoutMs);
      req.on("error", fail);
      req.end(body);
    });
  }
}

/** `?a=1&b=x` from the query's defined values ("" when there are none). */
function queryString(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

function searchParams(query: RequestOptions["query"]): Record<string, string | number | boolean> | undefined {
  if (!query) return undefined;
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number | boolean
  >;
}

function retryAfter(header: string | string[] | undefined, capMs: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return 0;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Math.max(0, Math.min(capMs, Number.isFinite(ms) ? ms : 0));
}

/** Turns a problem+json answer (or any error answer) into a FlowyError. */
export function toFlowyError(status: number, body: string, method: string, path: string): FlowyError {
  try {
    const problem = JSON.parse(body) as { code?: string; detail?: string; hint?: string } & Record<
      string,
      unknown
    >;
    const code = (
      problem.code && problem.code in ERROR_CODES ? problem.code : codeForStatus(status)
    ) as ErrorCode;
    const { type: _t, title: _ti, status: _s, detail, hint, code: _c, ...extra } = problem;
    return new FlowyError(code, detail ?? `${method} ${path} failed with HTTP ${status}`, hint, {
      ...extra,
      http_status: status,
    });
  } catch {
    return new FlowyError(
      codeForStatus(status),
      `${method} ${path} failed with HTTP ${status}: ${body.slice(0, 200)}`,
      undefined,
      { http_status: status },
    );
  }
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return "invalid-request";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status === 409) return "illegal-transition";
  if (status === 413) return "payload-too-large";
  if (status === 429) return "rate-limited";
  if (status === 503) return "unavailable";
  return "internal";
}

function toUnreachable(error: unknown, baseUrl: string, source: string | undefined): unknown {
  if (error instanceof RequestError || error instanceof NetworkError) {
    const where =
      source === undefined || source === "default"
        ? "Start one with: flowy-server start, or point --server, FLOWY_SERVER or `server:` in ~/.flowy at yours."
        : `That URL comes from ${source}: fix it there, or start one with: flowy-server start`;
    return new FlowyError(
      "unreachable",
      `Cannot reach the flowy server at ${baseUrl}: ${error.code ?? error.message}`,
      `Is flowy-server running there? ${where}`,
      { cause_code: error.code },
    );
  }
  return error;
}
