/**
 * Hostile HTTP traffic for the hardening test: a catalogue of request kinds, each with the
 * statuses a correct server may answer, run with bounded concurrency; and long-lived sockets that
 * read a stream's head and then never read again (slow SSE viewers, stalled log follows).
 *
 * Requests go through `node:http` with a shared keep-alive agent rather than fetch, so an answer
 * the server sends before it has read the whole body (413) is seen as a status, not as an error.
 */
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";

export interface Outcome {
  kind: string;
  /** 0 when the request got no HTTP answer at all (see `error`). */
  status: number;
  retryAfter?: string;
  error?: string;
}

export interface HostileRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RequestKind {
  name: string;
  /** Every status a correct server may answer this kind with. */
  allowed: number[];
  /** Client-side errors a correct server may cause (it may close on a body it refuses). */
  allowedErrors?: RegExp;
  /** The i-th request of this kind; a string is sent as raw bytes instead of an HTTP request. */
  make(i: number): HostileRequest | string;
  /** Answer without waiting for the body (a stream: read its head, then hang up). */
  headOnly?: boolean;
}

export const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export function send(base: string, kind: RequestKind, i: number): Promise<Outcome> {
  const spec = kind.make(i);
  if (typeof spec === "string") return sendRaw(base, kind.name, spec);
  const url = new URL(spec.path, base);
  return new Promise((resolve) => {
    const done = (outcome: Omit<Outcome, "kind">) => resolve({ kind: kind.name, ...outcome });
    const req = request(url, { method: spec.method, headers: spec.headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      const retry = res.headers["retry-after"];
      const retryAfter = typeof retry === "string" ? retry : undefined;
      if (kind.headOnly) {
        res.destroy();
        done({ status, retryAfter });
        return;
      }
      res.resume();
      res.on("end", () => done({ status, retryAfter }));
      res.on("error", (error) => done({ status, retryAfter, error: error.message }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error("no answer within 60 s")));
    req.on("error", (error) => done({ status: 0, error: error.message }));
    req.end(spec.body);
  });
}

/** Runs `count` requests drawn round-robin from `kinds`, at most `concurrency` at a time. */
export async function runBounded(
  base: string,
  kinds: RequestKind[],
  count: number,
  concurrency: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      outcomes.push(await send(base, kinds[i % kinds.length]!, i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return outcomes;
}

/** Sends a raw request line and headers, waits for the status line, then never reads again. */
export function stalledReader(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ socket: Socket; status: number; head: string }> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  const lines = Object.entries({ host: hostname, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.write(`GET ${path} HTTP/1.1\r\n${lines.join("")}\r\n`);
  return new Promise((resolve, reject) => {
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      socket.pause();
      resolve({ socket, status: Number(head.slice(9, 12)), head });
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("close", () => reject(new Error(`${path}: closed before its head:\n${head}`)));
  });
}

/** Bytes that are not HTTP at all; a correct server answers 400 and closes. */
function sendRaw(base: string, kind: string, bytes: string): Promise<Outcome> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve({ kind, status: match ? Number(match[1]) : 0, error: match ? undefined : "closed" });
    });
    socket.end(bytes);
  });
}

/** Outcomes counted by kind and status, for a failure message that shows the whole picture. */
export function tally(outcomes: Outcome[]): Record<string, Record<string, number>> {
  const table: Record<string, Record<string, number>> = {};
  for (const { kind, status, error } of outcomes) {
    table[kind] ??= {};
    const row = table[kind];
    const key = error && status === 0 ? `error: ${error}` : String(status);
    row[key] = (row[key] ?? 0) + 1;
  }
  return table;
}
