/**
 * Bundles over HTTP against a real server and SQLite file: the strict-bump rule, the size limit,
 * an upload cut off half way (nothing stays), downloads with Range, and the who/when/where history.
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { DatabaseSync } from "node:sqlite";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BUNDLE_CHUNK_BYTES } from "../../../server/service/bundle-service.ts";
import { startServer } from "../../helpers/server.ts";

/** A gzip stream of random bytes: incompressible, so its size is about `bytes`. */
const archive = (bytes: number) => gzipSync(randomBytes(bytes));

function upload(
  api: string,
  path: string,
  body: Uint8Array | ReadableStream,
  headers: Record<string, string> = {},
) {
  return fetch(`${api}/bundles/${path}`, {
    method: "PUT",
    body,
    headers: { "content-type": "application/gzip", ...headers },
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

/** Rows of bundle chunks in the server's SQLite file, read through a connection of our own. */
function chunkRows(dbPath: string): number {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return Number((db.prepare("SELECT count(*) AS n FROM bundle_chunks").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe("bundles over HTTP", () => {
  it("stores an upload whole, lists and shows it, and serves it back, from an offset too", async () => {
    const { api } = await startServer();
    const data = archive(3 * BUNDLE_CHUNK_BYTES + 123);
    const res = await upload(api, "etl/1.4.0?tags=cpu,linux&setup=make", data);
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({
      name: "etl",
      version: "1.4.0",
      size: data.byteLength,
      tags: ["cpu", "linux"],
      setup: "make",
    });
    expect(created.sha256).toMatch(/^[0-9a-f]{64}$/);

    const list = await (await fetch(`${api}/bundles`)).json();
    expect(list.bundles.map((b: { version: string }) => b.version)).toEqual(["1.4.0"]);
    const show = await (await fetch(`${api}/bundles/etl`)).json();
    expect(show).toMatchObject({ name: "etl", latest: "1.4.0" });

    const whole = await fetch(`${api}/bundles/etl/1.4.0/archive`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("x-flowy-sha256")).toBe(created.sha256);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);

    const from = BUNDLE_CHUNK_BYTES + 7;
    const rest = await fetch(`${api}/bundles/etl/1.4.0/archive`, { headers: { range: `bytes=${from}-` } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get("content-range")).toBe(`bytes ${from}-${data.byteLength - 1}/${data.byteLength}`);
    expect(Buffer.from(await rest.arrayBuffer()).equals(data.subarray(from))).toBe(true);
    const past = await fetch(`${api}/bundles/etl/1.4.0/archive`, {
      headers: { range: `bytes=${data.byteLength}-` },
    });
    expect(past.status).toBe(416);
  });

  it("takes only a strict semver bump per name, naming the current version when it refuses", async () => {
    const { api } = await startServer();
    expect((await upload(api, "etl/1.4.0", archive(10))).status).toBe(201);
    for (const version of ["1.4.0", "1.3.9", "1.4.0-rc.1"]) {
      const refused = await upload(api, `etl/${version}`, archive(10));
      expect(refused.status, version).toBe(409);
      const problem = await refused.json();
      expect(problem).toMatchObject({ code: "version-conflict", current_version: "1.4.0" });
      expect(problem.hint).toMatch(/current version of etl is 1\.4\.0/);
    }
    expect((await upload(api, "etl/v1.5.0", archive(10))).status).toBe(400);
    expect((await upload(api, "etl/1.5.0", archive(10))).status).toBe(201);
    // Another name has versions of its own.
    expect((await upload(api, "report/0.1.0", archive(10))).status).toBe(201);
    // A deleted version is not taken again: the number would name two archives.
    expect((await fetch(`${api}/bundles/etl/1.5.0`, { method: "DELETE" })).status).toBe(204);
    expect((await upload(api, "etl/1.5.0", archive(10))).status).toBe(409);
    const show = await (await fetch(`${api}/bundles/etl`)).json();
    expect(show.latest).toBe("1.4.0");
  });

  it("refuses an archive over the size limit, announced or streamed, and keeps none of it", async () => {
    const limit = 2 * BUNDLE_CHUNK_BYTES;
    const { api, dbPath } = await startServer({ bundleMaxBytes: limit });
    const announced = await upload(api, "big/1.0.0", archive(limit + 1000));
    expect(announced.status).toBe(413);
    expect((await announced.json()).hint).toMatch(/--bundle-max-mb/);

    // No Content-Length: the server counts as it stores, past a chunk already written.
    const data = archive(limit + BUNDLE_CHUNK_BYTES);
    const streamed = new ReadableStream({
      start(controller) {
        for (let at = 0; at < data.byteLength; at += 64 * 1024)
          controller.enqueue(data.subarray(at, at + 64 * 1024));
        controller.close();
      },
    });
    const refused = await upload(api, "big/1.0.0", streamed);
    expect(refused.status).toBe(413);
    await expect.poll(() => chunkRows(dbPath), { timeout: 30_000 }).toBe(0);
    expect((await fetch(`${api}/bundles/big`)).status).toBe(404);
    expect((await upload(api, "big/1.0.0", archive(100))).status).toBe(201);
  });

  it("leaves nothing of an upload whose connection drops half way, and the version stays free", async () => {
    const { api, dbPath } = await startServer();
    const url = new URL(`${api}/bundles/etl/1.0.0`);
    const data = archive(4 * BUNDLE_CHUNK_BYTES);
    const req = httpRequest(url, {
      method: "PUT",
      headers: { "content-type": "application/gzip", "content-length": String(data.byteLength) },
    });
    req.on("error", () => undefined);
    req.write(data.subarray(0, 2 * BUNDLE_CHUNK_BYTES + 10));
    // Chunks of this upload are on disk: it is under way when the connection is cut.
    await expect.poll(() => chunkRows(dbPath), { timeout: 30_000 }).toBeGreaterThan(0);
    req.destroy();
    await expect.poll(() => chunkRows(dbPath), { timeout: 30_000 }).toBe(0);
    expect((await fetch(`${api}/bundles/etl`)).status).toBe(404);
    expect((await (await fetch(`${api}/bundle-history`)).json()).events).toEqual([]);
    expect((await upload(api, "etl/1.0.0", archive(100))).status).toBe(201);
  });

  it("refuses a body that is not gzip", async () => {
    const { api } = await startServer();
    const res = await upload(api, "etl/1.0.0", Buffer.from("just some text"));
    expect(res.status).toBe(400);
    expect((await res.json()).hint).toMatch(/\.tar\.gz/);
    const json = await upload(api, "etl/1.0.0", Buffer.from("{}"), { "content-type": "application/json" });
    expect(json.status).toBe(400);
    expect((await json.json()).hint).toMatch(/Content-Type: application\/gzip/);
  });

  it("records who uploaded and deleted, when and from where; workers read but may not publish", async () => {
    const { api, server } = await startServer();
    const client = (await server.keys.create("ci", "client")).key;
    const worker = (await server.keys.create("fleet", "worker")).key;
    const as = (key: string) => ({ authorization: `Bearer ${key}`, "user-agent": "bundle-test/1" });
    expect((await upload(api, "etl/1.0.0", archive(10), as(worker))).status).toBe(403);
    expect((await upload(api, "etl/1.0.0", archive(10), as(client))).status).toBe(201);
    expect((await fetch(`${api}/bundles/etl/1.0.0/archive`, { headers: as(worker) })).status).toBe(200);
    expect((await fetch(`${api}/bundles/etl/1.0.0`, { method: "DELETE", headers: as(worker) })).status).toBe(
      403,
    );
    expect((await fetch(`${api}/bundles/etl/1.0.0`, { method: "DELETE", headers: as(client) })).status).toBe(
      204,
    );
    const { events } = await (await fetch(`${api}/bundle-history`, { headers: as(worker) })).json();
    expect(events).toMatchObject([
      {
        action: "delete",
        name: "etl",
        version: "1.0.0",
        key_name: "ci",
        address: "127.0.0.1",
        user_agent: "bundle-test/1",
      },
      {
        action: "upload",
        name: "etl",
        version: "1.0.0",
        key_name: "ci",
        address: "127.0.0.1",
        user_agent: "bundle-test/1",
      },
    ]);
    const limited = await (await fetch(`${api}/bundle-history?limit=1`, { headers: as(worker) })).json();
    expect(limited.events).toHaveLength(1);
  });
});
