import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../shared/logging.ts";
import { ROUTE_ROLES } from "../../../server/http/route-roles.ts";
import { http, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { startServer } from "../../helpers/server.ts";

const ROLES = ["admin", "client", "worker"] as const;

async function serverWithKeys() {
  const ts = await startServer();
  const keys: Record<string, string> = {};
  for (const role of ROLES) keys[role] = (await ts.server.keys.create(`${role}-key`, role)).key;
  const as = (role: string) => ({ authorization: `Bearer ${keys[role]}` });
  return { ...ts, keys, as };
}

function concrete(url: string): string {
  return url.replace(":id", "01aaaaaaaaaaaaaaaaaaaaaaaa").replace(":name", "no-such-key");
}

describe("API keys and roles", () => {
  it("declares access for every registered route, and every declaration names a real route", async () => {
    const { server } = await startServer();
    const registered = server.app.flowyRoutes.filter((r) => !r.startsWith("HEAD "));
    for (const route of registered) expect(ROUTE_ROLES[route], route).toBeDefined();
    for (const declared of Object.keys(ROUTE_ROLES)) expect(registered, declared).toContain(declared);
  });

  it("runs open without keys, and requires a key once one exists", async () => {
    const { api, server } = await startServer();
    expect((await post(`${api}/jobs`, makeJobSpec())).status).toBe(201);
    await server.keys.create("first", "admin");
    const refused = await post(`${api}/jobs`, makeJobSpec());
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: "unauthorized" });
    expect(refused.body.hint).toMatch(/--api-key/);
    expect(refused.headers.get("www-authenticate")).toMatch(/Bearer/);
  });

  const protectedRoutes = Object.entries(ROUTE_ROLES).filter(([, access]) => access !== "public");
  const matrix = protectedRoutes.flatMap(([route, access]) =>
    ROLES.map((role) => [route, role, (access as string[]).includes(role)] as const),
  );

  it("answers every protected route × role as the table says", async () => {
    const { url, as } = await serverWithKeys();
    for (const [route, role, allowed] of matrix) {
      const [method, path] = route.split(" ") as [string, string];
      const body = method === "POST" ? {} : undefined;
      const res = await http(method, `${url}${concrete(path)}`, body, as(role));
      if (allowed) expect([route, role, res.status]).not.toEqual([route, role, 403]);
      else expect([route, role, res.status, res.body.code]).toEqual([route, role, 403, "forbidden"]);
      expect([route, role, res.status]).not.toEqual([route, role, 401]);
      const anonymous = await http(method, `${url}${concrete(path)}`, body);
      expect([route, anonymous.status]).toEqual([route, 401]);
    }
  });

  it("refuses unknown and revoked keys, and slows down an address that keeps failing", async () => {
    const { api, server, keys, as } = await serverWithKeys();
    expect((await http("GET", `${api}/jobs`, undefined, as("client"))).status).toBe(200);
    await server.keys.revoke("client-key");
    const revoked = await http("GET", `${api}/jobs`, undefined, { authorization: `Bearer ${keys.client}` });
    expect(revoked.status).toBe(401);
    let status = 0;
    for (let i = 0; i < 25 && status !== 429; i++) {
      status = (await http("GET", `${api}/jobs`, undefined, { authorization: "Bearer flowy_guess" })).status;
    }
    expect(status).toBe(429);
    expect(
      (await http("GET", `${api}/jobs`, undefined, { authorization: "Bearer flowy_guess" })).headers.get(
        "retry-after",
      ),
    ).toMatch(/^\d+$/);
    // A valid key from the same address is never refused: the limiter counts only failures.
    const evenValid = await http("GET", `${api}/jobs`, undefined, as("admin"));
    expect(evenValid.status).toBe(200);
  });

  it("keeps accepting a worker's valid key from an address that others flood with bad keys", async () => {
    const { api, as } = await serverWithKeys();
    for (let i = 0; i < 40; i++) {
      await http("GET", `${api}/jobs`, undefined, { authorization: `Bearer flowy_guess${i}` });
    }
    const claim = await post(
      `${api}/jobs/claim`,
      { worker_id: "w1", tags: [], capacity: 1, wait_s: 0 },
      as("worker"),
    );
    expect(claim.status).toBe(200);
  });

  it("stays closed after its last key is revoked over the API", async () => {
    const { api, server } = await startServer();
    const { key } = await server.keys.create("only", "admin");
    const admin = { authorization: `Bearer ${key}` };
    expect((await http("DELETE", `${api}/keys/only`, undefined, admin)).status).toBe(204);
    const minted = await post(`${api}/keys`, { name: "mine", role: "admin" });
    expect(minted.status).toBe(401);
    expect((await post(`${api}/jobs`, makeJobSpec())).status).toBe(401);
    const stale = await post(`${api}/jobs`, makeJobSpec(), admin);
    expect(stale.body.hint).toMatch(/flowy-server keys create --db/);
  });

  it("requires keys from the start when told to, even with none in the table", async () => {
    const { api } = await startServer({ requireKeys: true });
    expect((await post(`${api}/keys`, { name: "mine", role: "admin" })).status).toBe(401);
  });

  it("answers a malformed key cookie with 401, not 500", async () => {
    const { api } = await serverWithKeys();
    const res = await http("GET", `${api}/jobs`, undefined, { cookie: "flowy_api_key=%E0%A4%A" });
    expect(res.status).toBe(401);
  });

  it("behind a trusted proxy, limits each forwarded client on its own and marks the cookie Secure", async () => {
    const ts = await startServer({ trustProxy: ["127.0.0.1", "::1"] });
    const key = (await ts.server.keys.create("viewer", "client")).key;
    const from = (client: string, extra: Record<string, string> = {}) => ({
      "x-forwarded-for": client,
      ...extra,
    });
    let status = 0;
    for (let i = 0; i < 25 && status !== 429; i++) {
      status = (
        await http(
          "GET",
          `${ts.api}/jobs`,
          undefined,
          from("203.0.113.7", { authorization: "Bearer flowy_guess" }),
        )
      ).status;
    }
    expect(status).toBe(429);
    // Another client behind the same proxy is not punished for the first one's guesses.
    const other = await http(
      "GET",
      `${ts.api}/jobs`,
      undefined,
      from("203.0.113.8", { authorization: `Bearer ${key}` }),
    );
    expect(other.status).toBe(200);
    const login = await post(`${ts.url}/dashboard/login`, undefined, {
      ...from("203.0.113.8", { "x-forwarded-proto": "https" }),
      authorization: `Bearer ${key}`,
    });
    expect(login.headers.get("set-cookie")).toMatch(/; Secure$/);
  });

  it("ignores forwarding headers from a peer it does not trust", async () => {
    const ts = await startServer();
    const key = (await ts.server.keys.create("viewer", "client")).key;
    const login = await post(`${ts.url}/dashboard/login`, undefined, {
      "x-forwarded-proto": "https",
      authorization: `Bearer ${key}`,
    });
    expect(login.status).toBe(204);
    expect(login.headers.get("set-cookie")).not.toMatch(/Secure/);
    let status = 0;
    for (let i = 0; i < 25 && status !== 429; i++) {
      const guess = { "x-forwarded-for": `203.0.113.${i}`, authorization: "Bearer flowy_guess" };
      status = (await http("GET", `${ts.api}/jobs`, undefined, guess)).status;
    }
    // Rotating the forwarded address does not escape the limit: the peer address is what counts.
    expect(status).toBe(429);
  });

  it("accepts the dashboard's cookie", async () => {
    const { api, keys } = await serverWithKeys();
    const res = await http("GET", `${api}/jobs`, undefined, {
      cookie: `theme=dark; flowy_api_key=${encodeURIComponent(keys.client!)}`,
    });
    expect(res.status).toBe(200);
  });

  it("manages keys over the API for admins, showing a key only when it is created", async () => {
    const { api, as } = await serverWithKeys();
    const created = await post(`${api}/keys`, { name: "ci", role: "worker" }, as("admin"));
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^flowy_/);
    const listed = await http("GET", `${api}/keys`, undefined, as("admin"));
    expect(listed.body.keys.map((k: any) => k.name)).toContain("ci");
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    const worker = await http("GET", `${api}/jobs/running?worker_id=w`, undefined, {
      authorization: `Bearer ${created.body.key}`,
    });
    expect(worker.status).toBe(200);
    expect((await http("DELETE", `${api}/keys/ci`, undefined, as("admin"))).status).toBe(204);
    expect((await http("DELETE", `${api}/keys/ci`, undefined, as("admin"))).status).toBe(404);
  });

  it("never writes a key to the logs", async () => {
    let logged = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        logged += chunk.toString();
        done();
      },
    });
    const logger = createLogger("flowy-test", "trace", sink);
    const secret = "flowy_supersecretvalue";
    logger.info(
      {
        req: { headers: { authorization: `Bearer ${secret}` } },
        api_key: secret,
        config: { api_key: secret },
      },
      "request",
    );
    logger.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(logged).toContain("[redacted]");
    expect(logged).not.toContain(secret);
  });
});
