/**
 * Hostile input: thousands of random and malformed requests to every route. The server must never
 * answer 5xx, never crash, and never change state on a request it rejected.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROUTE_ROLES } from "../../../server/http/route-roles.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { post } from "../../helpers/http.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

const ROUTES = Object.keys(ROUTE_ROLES).map((r) => r.split(" ") as [string, string]);

async function fingerprint(ts: TestServer): Promise<string> {
  const store = ts.server.store;
  const jobs = await store.listJobs({ limit: 10_000 });
  const workers = await store.listWorkers();
  const keys = await store.listApiKeys();
  return JSON.stringify([
    jobs.map((j) => [j.id, j.version]),
    workers.map((w) => w.id),
    keys.map((k) => k.name),
  ]);
}

const segment = fc.oneof(
  fc.constant("01aaaaaaaaaaaaaaaaaaaaaaaa"),
  fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom("..", "%00", "%2e%2e%2f", "a".repeat(300), "😀", "-1"),
);

const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    "{",
    "null",
    "[]",
    '{"spec":{"command":[]}}',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    "\u0000",
    '{"spec":{"command":["x"]},"priority":"1"}',
  ),
  fc
    .record({ spec: fc.record({ command: fc.array(fc.string(), { maxLength: 3 }) }), tags: fc.anything() })
    .map((v) => JSON.stringify(v)),
);

const contentType = fc.constantFrom(
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=latin1",
  "",
);

describe("fuzzing every route", () => {
  it("never answers 5xx and never changes state on a rejected request", async () => {
    const ts = await startServer();
    // Some real state for the fuzzer to poke at.
    const job = (await post(`${ts.api}/jobs`, makeJobSpec())).body;
    await post(`${ts.api}/jobs/claim`, { worker_id: "w", capacity: 1 });
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        segment,
        body,
        contentType,
        fc.constantFrom("", "?limit=-1", "?state=%ff", "?wait_s=1e9&version=x", "?follow=1&offset=-5"),
        async ([method, path], seg, payload, type, query) => {
          const url = `${ts.url}${path.replace(":id", seg === "01aaaaaaaaaaaaaaaaaaaaaaaa" ? job.id : seg).replace(":name", seg)}${query}`;
          const before = await fingerprint(ts);
          const headers: Record<string, string> = type ? { "content-type": type } : {};
          const hasBody = method === "POST";
          const res = await fetch(url, {
            method,
            headers,
            body: hasBody ? payload : undefined,
            signal: AbortSignal.timeout(5_000),
          }).catch((e: Error) => e);
          requests++;
          if (res instanceof Error) {
            // A follow or long-poll that our timeout cut short is fine; anything else is not.
            expect(res.name).toMatch(/TimeoutError|AbortError/);
            return;
          }
          await res.arrayBuffer();
          expect(res.status, `${method} ${url} -> ${res.status}`).toBeLessThan(500);
          if (res.status >= 400) expect(await fingerprint(ts), `${method} ${url} changed state`).toBe(before);
        },
      ),
      { numRuns: 1500 },
    );
    expect(requests).toBeGreaterThanOrEqual(1500);
    expect((await fetch(`${ts.url}/healthz`)).status).toBe(200);
  });
});
