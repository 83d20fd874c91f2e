/**
 * `flowy-client bundle …`, the real binary against a real server: a directory packed on the
 * client and a ready .tar.gz uploaded, the version rule's refusal with its hint, list, show,
 * history and delete.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import { flowyClient } from "../helpers/client-cli.ts";
import { startServer } from "../helpers/server.ts";
import { tmpDir } from "../helpers/tmp.ts";

function bundleDir(): string {
  const dir = tmpDir("flowy-bundle-src-");
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin", "run.sh"), "#!/bin/sh\necho hello from the bundle\n", { mode: 0o755 });
  writeFileSync(join(dir, "README"), "an example\n");
  return dir;
}

describe("flowy-client bundle", () => {
  it("packs a directory, uploads it, and lists, shows, refuses an old version, deletes and records it", async () => {
    const { url, api } = await startServer();
    const dir = bundleDir();
    const up = await flowyClient(url, [
      "bundle",
      "upload",
      "etl",
      "1.0.0",
      dir,
      "--tags",
      "cpu,linux",
      "--setup",
      "true",
    ]);
    expect(up.stderr).toBe("");
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toMatch(/Uploaded etl@1\.0\.0 \(.+, sha256 [0-9a-f]{12}…\)/);

    // What the server stores is a tar.gz of the directory's files.
    const archive = Buffer.from(await (await fetch(`${api}/bundles/etl/1.0.0/archive`)).arrayBuffer());
    const out = tmpDir("flowy-bundle-out-");
    const file = join(out, "a.tar.gz");
    writeFileSync(file, archive);
    await tar.extract({ file, cwd: out });
    expect(readFileSync(join(out, "bin", "run.sh"), "utf8")).toContain("hello from the bundle");

    const old = await flowyClient(url, ["bundle", "upload", "etl", "0.9.0", dir]);
    expect(old.exitCode).not.toBe(0);
    expect(old.stderr).toMatch(/not newer than etl@1\.0\.0/);
    expect(old.stderr).toMatch(/current version of etl is 1\.0\.0/);

    // A ready archive is sent as it is.
    const json = await flowyClient(url, ["-o", "json", "bundle", "upload", "etl", "1.1.0", file]);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      version: "1.1.0",
      sha256: createHash("sha256").update(archive).digest("hex"),
      tags: [],
    });

    const list = await flowyClient(url, ["bundle", "list"]);
    expect(list.stdout).toMatch(/etl\s+1\.0\.0\s+.*cpu,linux\s+true/);
    expect(list.stdout).toMatch(/etl\s+1\.1\.0\s+.*\(all\)/);
    const show = await flowyClient(url, ["-o", "json", "bundle", "show", "etl"]);
    expect(JSON.parse(show.stdout)).toMatchObject({ latest: "1.1.0" });

    const del = await flowyClient(url, ["bundle", "delete", "etl", "1.0.0"]);
    expect(del.exitCode).toBe(0);
    expect(del.stdout).toMatch(/Deleted etl@1\.0\.0/);
    const history = await flowyClient(url, ["bundle", "history", "--limit", "2"]);
    const lines = history.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/delete\s+etl@1\.0\.0\s+-\s+127\.0\.0\.1\s+flowy-client\//);
    expect(lines[2]).toMatch(/upload\s+etl@1\.1\.0/);
  }, 180_000);

  it("says what to pass when PATH is missing or empty", async () => {
    const { url } = await startServer();
    const missing = await flowyClient(url, ["bundle", "upload", "etl", "1.0.0", "/nonexistent/dir"]);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/does not exist[\s\S]*directory or a \.tar\.gz/);
    const empty = await flowyClient(url, ["bundle", "upload", "etl", "1.0.0", tmpDir("flowy-empty-")]);
    expect(empty.stderr).toMatch(/is empty/);
  }, 120_000);
});
