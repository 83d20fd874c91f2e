/**
 * Hostile archives against the daemon's unpacker: each is refused whole, and nothing lands
 * outside the bundle directory (nor, since the listing pass refuses first, inside it).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UnsafeArchiveError, unpackSafely } from "../../../../daemon/bundles/safe-unpack.ts";
import { type RawEntry, writeTarGz } from "../../../helpers/hostile-tar.ts";
import { tmpDir } from "../../../helpers/tmp.ts";

const LIMIT = { maxBytes: 1024 * 1024 };

/** A sandbox: `outside/` is what must stay empty, `bundle/` the directory unpacked into. */
function sandbox() {
  const root = tmpDir("flowy-unpack-");
  const outside = join(root, "outside");
  const bundle = join(root, "work", "bundle");
  mkdirSync(outside);
  mkdirSync(bundle, { recursive: true });
  return { root, outside, bundle, archive: join(root, "a.tar.gz") };
}

async function refused(entries: (box: ReturnType<typeof sandbox>) => RawEntry[], reason: RegExp) {
  const box = sandbox();
  writeTarGz(box.archive, entries(box));
  await expect(unpackSafely(box.archive, box.bundle, LIMIT)).rejects.toThrow(UnsafeArchiveError);
  await expect(unpackSafely(box.archive, box.bundle, LIMIT)).rejects.toThrow(reason);
  expect(readdirSync(box.outside)).toEqual([]);
  expect(readdirSync(join(box.root, "work"))).toEqual(["bundle"]);
  expect(readdirSync(box.bundle)).toEqual([]);
  return box;
}

describe("unpacking a bundle archive safely", () => {
  it("unpacks files, directories and links that stay inside", async () => {
    const box = sandbox();
    writeTarGz(box.archive, [
      { path: "bin/", type: "Directory" },
      { path: "bin/run.sh", data: Buffer.from("echo hi\n") },
      { path: "run", type: "SymbolicLink", linkpath: "bin/run.sh" },
      { path: "bin/again", type: "SymbolicLink", linkpath: "../bin/run.sh" },
    ]);
    await unpackSafely(box.archive, box.bundle, LIMIT);
    expect(readFileSync(join(box.bundle, "bin", "run.sh"), "utf8")).toBe("echo hi\n");
    expect(readlinkSync(join(box.bundle, "run"))).toBe("bin/run.sh");
    expect(readdirSync(box.outside)).toEqual([]);
  });

  it("refuses a path that climbs out with ..", async () => {
    await refused(
      () => [
        { path: "ok.txt", data: Buffer.from("x") },
        { path: "../../outside/pwned", data: Buffer.from("x") },
      ],
      /climbs out/,
    );
  });

  it("refuses an absolute path", async () => {
    const box = await refused(
      (b) => [{ path: join(b.outside, "pwned"), data: Buffer.from("x") }],
      /absolute path/,
    );
    expect(existsSync(join(box.outside, "pwned"))).toBe(false);
  });

  it("refuses a symlink that leaves the directory, and a file written through it", async () => {
    await refused(
      () => [
        { path: "escape", type: "SymbolicLink", linkpath: "../../outside" },
        { path: "escape/pwned", data: Buffer.from("x") },
      ],
      /leaves the directory/,
    );
  });

  it("refuses a symlink to an absolute path", async () => {
    await refused((b) => [{ path: "escape", type: "SymbolicLink", linkpath: b.outside }], /absolute path/);
  });

  it("refuses a hard link to a file outside", async () => {
    await refused(
      () => [{ path: "passwd", type: "Link", linkpath: "../../../etc/passwd" }],
      /leaves the directory/,
    );
  });

  it("refuses device files and FIFOs", async () => {
    await refused(() => [{ path: "null", type: "CharacterDevice" }], /CharacterDevice/);
    await refused(() => [{ path: "fifo", type: "FIFO" }], /FIFO/);
  });

  it("refuses a decompression bomb that unpacks past the limit", async () => {
    // 8 MiB of zeros gzip to a few KiB: small to download, eight times the limit unpacked.
    const box = await refused(
      () => [
        { path: "a.bin", data: Buffer.alloc(4 * 1024 * 1024) },
        { path: "b.bin", data: Buffer.alloc(4 * 1024 * 1024) },
      ],
      /decompression ratio|more than 1048576 bytes/,
    );
    expect(readFileSync(box.archive).byteLength).toBeLessThan(100 * 1024);
  });

  it("refuses an archive of incompressible files that together pass the limit", async () => {
    await refused(
      () => [
        { path: "a.bin", data: randomBytes(700 * 1024) },
        { path: "b.bin", data: randomBytes(700 * 1024) },
      ],
      /more than 1048576 bytes/,
    );
  });

  it("refuses a file that is not a tar.gz", async () => {
    const box = sandbox();
    writeFileSync(box.archive, "not an archive");
    await expect(unpackSafely(box.archive, box.bundle, LIMIT)).rejects.toThrow(/refused the archive/);
    expect(readdirSync(box.bundle)).toEqual([]);
  });
});
