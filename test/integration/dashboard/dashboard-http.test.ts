import { JOB_STATES, STATE_ICON_NAMES } from "../../../shared/states.ts";
import { describe, expect, it } from "vitest";
import { http, post } from "../../helpers/http.ts";
import { startServer } from "../../helpers/server.ts";
import { spawnServerProcess } from "../../helpers/server-process.ts";
import { tmpDir } from "../../helpers/tmp.ts";

describe("dashboard over HTTP", () => {
  it("serves the page and its assets from the package, with a strict content security policy", async () => {
    const { url } = await startServer();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('src="/assets/app.js"');
    // Every asset the page and its modules load is local: nothing from a CDN.
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${url}/assets/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect((await fetch(`${url}/assets/styles.css`)).headers.get("content-type")).toMatch(/text\/css/);
    expect((await fetch(`${url}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${url}/assets/..%2f..%2fdashboard-routes.ts`)).status).toBe(404);
  });

  it("tells the page its role, language and the actions it may show", async () => {
    const { url } = await startServer();
    const session = await http("GET", `${url}/dashboard/session`, undefined, {
      "accept-language": "ja,en;q=0.5",
    });
    expect(session.body).toMatchObject({ role: "admin", lang: "ja", keys_required: false });
    expect(session.body.actions.cancel).toEqual(["scheduled", "awaiting", "pending", "running"]);
    expect(session.body.actions.requeue).toContain("failed");
    expect(session.body.actions.delete).not.toContain("running");
    expect(session.body.controls).toEqual([
      "drain",
      "pause_schedule",
      "resume_schedule",
      "trigger_schedule",
      "resume_tag",
    ]);
    // The page draws states and icons from the state module, not from a copy of its own.
    expect(session.body.states).toEqual([...JOB_STATES]);
    expect(session.body.icons).toEqual(STATE_ICON_NAMES);
  });

  it("keeps a checked key in an HttpOnly, SameSite=Strict cookie, and refuses a wrong one", async () => {
    const { url, server } = await startServer();
    const { key } = await server.keys.create("viewer", "client");
    expect((await http("GET", `${url}/dashboard/session`)).status).toBe(401);
    expect((await http("GET", `${url}/`)).status).toBe(200);
    const wrong = await post(`${url}/dashboard/login`, undefined, { authorization: "Bearer flowy_wrong" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const login = await post(`${url}/dashboard/login`, undefined, { authorization: `Bearer ${key}` });
    expect(login.status).toBe(204);
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^flowy_api_key=flowy_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const session = await http("GET", `${url}/dashboard/session`, undefined, {
      cookie: cookie.split(";")[0]!,
    });
    expect(session.body).toMatchObject({ role: "client", keys_required: true });
    const logout = await post(`${url}/dashboard/logout`);
    expect(logout.headers.get("set-cookie")).toMatch(/^flowy_api_key=; .*Max-Age=0/);
  });

  it("refuses a worker key at sign-in: workers do not read the dashboard's data", async () => {
    const { url, server } = await startServer();
    const { key } = await server.keys.create("daemon", "worker");
    const login = await post(`${url}/dashboard/login`, undefined, { authorization: `Bearer ${key}` });
    expect(login.status).toBe(403);
  });

  it("takes its language from flowy-server start --dashboard-lang", async () => {
    const { url } = await spawnServerProcess(["--db", `${tmpDir()}/flowy.db`, "--dashboard-lang", "ja"]);
    const session = await http("GET", `${url}/dashboard/session`, undefined, { "accept-language": "en-US" });
    expect(session.body.lang).toBe("ja");
  });
});
