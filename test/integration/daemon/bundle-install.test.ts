/**
 * A daemon's install of one bundle version from a real server: download, checksum, unpack,
 * setup, rename into place; a partial download resumed; a corrupt one, a failing or hanging
 * setup and a hostile archive leave no bundle directory behind.
 */
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import { type BundleToInstall, installBundle } from "../../../daemon/bundles/bundle-install.ts";
import { writeTarGz } from "../../helpers/hostile-tar.ts";
import { startServer } from "../../helpers/server.ts";
import { tmpDir } from "../../helpers/tmp.ts";

async function packExample(): Promise<string> {
  const src = tmpDir("flowy-bundle-src-");
  mkdirSync(join(src, "bin"));
  writeFileSync(join(src, "bin", "run.sh"), "#!/bin/sh\necho hello\n", { mode: 0o755 });
  writeFileSync(join(src, "data.bin"), Buffer.alloc(200_000, 7));
  const file = join(tmpDir("flowy-bundle-tgz-"), "b.tar.gz");
  await tar.create({ gzip: true, file, cwd: src, portable: true }, ["bin", "data.bin"]);
  return file;
}

async function uploaded(
  api: string,
  file: string,
  version: string,
  setup?: string,
): Promise<BundleToInstall> {
  const query = setup ? `?setup=${encodeURIComponent(setup)}` : "";
  const res = await fetch(`${api}/bundles/etl/${version}${query}`, {
    method: "PUT",
    body: readFileSync(file),
    headers: { "content-type": "application/gzip" },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as BundleToInstall;
}

const options = (api: string, root: string, setupTimeoutMs = 60_000) => ({
  api,
  root,
  maxBytes: 10 * 1024 * 1024,
  setupTimeoutMs,
});

describe("installing a bundle on a daemon", () => {
  it("downloads, verifies, unpacks, runs setup in the bundle and renames it into place", async () => {
    const { api } = await startServer();
    const bundle = await uploaded(api, await packExample(), "1.0.0", "echo set-up > ready; pwd > where");
    const root = tmpDir("flowy-bundles-");
    const dir = await installBundle(bundle, options(api, root));
    expect(dir).toBe(join(root, "etl", "1.0.0"));
    expect(readFileSync(join(dir, "bin", "run.sh"), "utf8")).toContain("echo hello");
    expect(readFileSync(join(dir, "ready"), "utf8")).toBe("set-up\n");
    expect(readdirSync(join(root, "etl"))).toEqual(["1.0.0"]);
    expect(readdirSync(join(root, ".downloads"))).toEqual([]);
    // Installed already: nothing is fetched again.
    expect(await installBundle(bundle, options("http://127.0.0.1:1/api/v1", root))).toBe(dir);
  });

  it("resumes a partial download from where it stopped", async () => {
    const { api } = await startServer();
    const file = await packExample();
    const bundle = await uploaded(api, file, "1.0.0");
    const root = tmpDir("flowy-bundles-");
    mkdirSync(join(root, ".downloads"));
    const part = join(root, ".downloads", "etl-1.0.0.tar.gz");
    writeFileSync(part, readFileSync(file));
    truncateSync(part, Math.floor(bundle.size / 2));
    const dir = await installBundle(bundle, options(api, root));
    expect(existsSync(join(dir, "data.bin"))).toBe(true);
  });

  it("throws away a download whose sha256 does not match, and installs nothing", async () => {
    const { api } = await startServer();
    const bundle = await uploaded(api, await packExample(), "1.0.0");
    const root = tmpDir("flowy-bundles-");
    await expect(installBundle({ ...bundle, sha256: "0".repeat(64) }, options(api, root))).rejects.toThrow(
      /sha256 is [0-9a-f]{64}, the server said 0{64}/,
    );
    expect(readdirSync(join(root, ".downloads"))).toEqual([]);
    expect(existsSync(join(root, "etl"))).toBe(false);
    // The next attempt starts over and succeeds.
    await installBundle(bundle, options(api, root));
  });

  it("leaves no bundle directory when setup fails or runs past its timeout", async () => {
    const { api } = await startServer();
    const file = await packExample();
    const failing = await uploaded(api, file, "1.0.0", "echo broken >&2; exit 3");
    const root = tmpDir("flowy-bundles-");
    await expect(installBundle(failing, options(api, root))).rejects.toThrow(/exited with 3:\nbroken/);
    expect(readdirSync(join(root, "etl"))).toEqual([]);
    const hanging = await uploaded(api, file, "1.0.1", "sleep 600");
    await expect(installBundle(hanging, options(api, root, 500))).rejects.toThrow(
      /did not finish within 500 ms/,
    );
    expect(readdirSync(join(root, "etl"))).toEqual([]);
  });

  it("refuses a hostile archive and writes nothing outside the bundles directory", async () => {
    const { api } = await startServer();
    const box = tmpDir("flowy-hostile-");
    const outside = join(box, "outside");
    mkdirSync(outside);
    const file = join(box, "evil.tar.gz");
    writeTarGz(file, [
      { path: "escape", type: "SymbolicLink", linkpath: outside },
      { path: "escape/pwned", data: Buffer.from("x") },
    ]);
    const bundle = await uploaded(api, file, "1.0.0");
    const root = join(box, "bundles");
    await expect(installBundle(bundle, options(api, root))).rejects.toThrow(/refused the archive/);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(join(root, "etl"))).toEqual([]);
  });
});
