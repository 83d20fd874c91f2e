import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
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
    expect(result.stderr).toContain(
      `hint: Create a key first (flowy-server keys create --role admin --name me --db ${db})`,
    );
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
    expect(server.output()).toMatch(
      /listening on http:\/\/0\.0\.0\.0:\d+ \(from this machine: http:\/\/127\.0\.0\.1:\d+\)/,
    );
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
    expect(created.stderr).toContain(`warning: ${db} did not exist: creating a new database there.`);
    const listed = await run("list");
    expect(listed.stderr).not.toContain("did not exist");
    expect(listed.stdout).toMatch(/ci\s+worker/);
    expect(listed.stdout).not.toContain(created.stdout);
    expect((await run("revoke", "ci")).exitCode).toBe(0);
    const again = await run("revoke", "ci");
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(
      "hint: List keys with: flowy-server keys list --db DB (DB: the server's --db",
    );
  });
});

describe("flowy-server and a --db it cannot use", () => {
  const start = (db: string, uid?: number) =>
    execa(NODE, [CLI, "start", "--port", "0", "--db", db], {
      reject: false,
      timeout: 20_000,
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
  const hint = /hint: Give --db \(or FLOWY_DB\) a file this user can write, .*StateDirectory=flowy-server/;

  it("says what to do when a part of the path is a file", { timeout: 120_000 }, async () => {
    const file = join(tmpDir(), "not-a-dir");
    writeFileSync(file, "");
    const result = await start(join(file, "flowy.db"));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `Cannot keep the database at ${file}/flowy.db: a part of the path is a file`,
    );
    expect(result.stderr).toMatch(hint);
  });

  it("says what to do when this user may not write there (EACCES)", { timeout: 120_000 }, async () => {
    const parent = join(tmpDir(), "locked");
    mkdirSync(parent);
    chmodSync(parent, 0o555);
    chmodSync(join(parent, ".."), 0o755);
    // root may write anywhere: drop to nobody, as a normal user would be (when nobody can run
    // this checkout's node at all, the unit test of dataPathError still covers EACCES).
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    if (
      uid !== undefined &&
      (await execa(NODE, ["-e", "0"], { reject: false, uid, gid: uid })).exitCode !== 0
    )
      return;
    const result = await start(join(parent, "flowy", "flowy.db"), uid);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `Cannot keep the database at ${parent}/flowy/flowy.db: this user may not write there (EACCES`,
    );
    expect(result.stderr).toMatch(hint);
    expect(result.stderr).toContain(`sudo install -d -o "$USER" ${parent}/flowy`);
  });
});
