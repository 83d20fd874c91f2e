import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { get, http, post } from "../helpers/http.ts";
import { NODE, spawnServerProcess } from "../helpers/server-process.ts";
import { tmpDir } from "../helpers/tmp.ts";

const CLI = join(import.meta.dirname, "..", "..", "server", "cli.ts");

describe("flowy-server command line", () => {
  it("refuses to listen beyond loopback without keys, and says how to fix it", async () => {
    const db = join(tmpDir(), "flowy.db");
    const result = await execa(NODE, [CLI, "start", "--host", "0.0.0.0", "--port", "0", "--db", db], {
      reject: false,
      timeout: 20_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without API keys/);
    expect(result.stderr).toMatch(/flowy-server keys create --db \S+ --role admin/);
  });

  it("stays closed beyond loopback after every key is revoked, and says how to get back in", async () => {
    const db = join(tmpDir(), "flowy.db");
    const created = await execa(
      NODE,
      [CLI, "keys", "create", "--name", "only", "--role", "admin", "--db", db],
      {
        timeout: 20_000,
      },
    );
    const server = await spawnServerProcess(["--host", "0.0.0.0", "--db", db]);
    const api = server.api.replace("0.0.0.0", "127.0.0.1");
    const admin = { authorization: `Bearer ${created.stdout.trim()}` };
    expect((await http("DELETE", `${api}/keys/only`, undefined, admin)).status).toBe(204);
    const minted = await post(`${api}/keys`, { name: "mine", role: "admin" });
    expect(minted.status).toBe(401);
    const stale = await post(`${api}/keys`, { name: "mine", role: "admin" }, admin);
    expect(stale.status).toBe(401);
    expect(stale.body.hint).toMatch(/flowy-server keys create --db \S+ --role admin/);
  });

  it("listens beyond loopback with --insecure-no-auth, warning loudly", async () => {
    const db = join(tmpDir(), "flowy.db");
    const server = await spawnServerProcess(["--host", "0.0.0.0", "--db", db, "--insecure-no-auth"]);
    expect(server.output()).toMatch(/WARNING: --insecure-no-auth/);
    expect((await get(server.url.replace("0.0.0.0", "127.0.0.1") + "/healthz")).status).toBe(200);
  });

  it("creates, lists and revokes keys, printing a key only once", async () => {
    const db = join(tmpDir(), "flowy.db");
    const run = (...args: string[]) =>
      execa(NODE, [CLI, "keys", ...args, "--db", db], { reject: false, timeout: 20_000 });
    const created = await run("create", "--name", "ci", "--role", "worker");
    expect(created.exitCode).toBe(0);
    expect(created.stdout).toMatch(/^flowy_\S{40,}$/);
    expect(created.stderr).toMatch(/will not be shown again/);
    const listed = await run("list");
    expect(listed.stdout).toMatch(/ci\s+worker/);
    expect(listed.stdout).not.toContain(created.stdout);
    expect((await run("revoke", "ci")).exitCode).toBe(0);
    const again = await run("revoke", "ci");
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/keys list/);
  });
});
