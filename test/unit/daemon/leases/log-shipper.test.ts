/** Log shipping: chunks at byte offsets, log-gap recovery, UTF-8 safe cuts, resumable offsets. */
import { appendFileSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JobDir } from "../../../../daemon/process/job-dir.ts";
import { LogShipper, utf8Boundary } from "../../../../daemon/leases/log-shipper.ts";
import { FlowyError } from "../../../../shared/errors.ts";
import { tmpDir } from "../../../helpers/tmp.ts";

async function stagedDir(): Promise<JobDir> {
  const dir = new JobDir(tmpDir(), "job1");
  await dir.stage({ id: "job1", inputs: {} } as any, Date.now());
  return dir;
}

/** A fake server log: stores bytes at offsets the way the real one does. */
function fakeServer() {
  let stored = Buffer.alloc(0);
  return {
    text: () => stored.toString(),
    append: async (offset: number, data: string) => {
      if (offset > stored.length) {
        throw new FlowyError("log-gap", "gap", undefined, { expected_offset: stored.length });
      }
      const bytes = Buffer.from(data);
      if (offset + bytes.length > stored.length) {
        stored = Buffer.concat([stored, bytes.subarray(stored.length - offset)]);
      }
      return stored.length;
    },
  };
}

describe("LogShipper", () => {
  it("ships the whole log in chunks, never splitting a UTF-8 character", async () => {
    const dir = await stagedDir();
    const text = "héllo wörld ✓ ".repeat(50);
    appendFileSync(dir.file("log"), text);
    const server = fakeServer();
    const shipper = new LogShipper(dir, server.append, { chunkBytes: 7, intervalMs: 60_000 });
    await shipper.start();
    expect(await shipper.finish()).toBe(true);
    expect(server.text()).toBe(text);
  });

  it("resends from the server's offset after a log-gap", async () => {
    const dir = await stagedDir();
    appendFileSync(dir.file("log"), "0123456789");
    const server = fakeServer();
    await server.append(0, "0123");
    // A daemon that believes the server has more than it does (saved offsets ahead of the server).
    appendFileSync(dir.file("logOffsets"), "8 8\n");
    const shipper = new LogShipper(dir, server.append, { intervalMs: 60_000 });
    await shipper.start(true);
    expect(await shipper.finish()).toBe(true);
    expect(server.text()).toBe("012389");
    expect(readFileSync(dir.file("logOffsets"), "utf8")).toBe("10 6\n");
  });

  it("gives up on a log whose lease is gone", async () => {
    const dir = await stagedDir();
    appendFileSync(dir.file("log"), "x");
    let calls = 0;
    const shipper = new LogShipper(
      dir,
      async () => {
        calls++;
        throw new FlowyError("lease-lost", "gone");
      },
      { intervalMs: 60_000 },
    );
    await shipper.start();
    expect(await shipper.finish()).toBe(false);
    expect(await shipper.finish()).toBe(false);
    expect(calls).toBe(1);
  });
});

describe("utf8Boundary", () => {
  it("cuts before an incomplete character and keeps complete ones", () => {
    const check = Buffer.from("a✓"); // 1 + 3 bytes
    expect(utf8Boundary(check)).toBe(4);
    expect(utf8Boundary(check.subarray(0, 3))).toBe(1);
    expect(utf8Boundary(check.subarray(0, 2))).toBe(1);
    expect(utf8Boundary(Buffer.from("ab"))).toBe(2);
    expect(utf8Boundary(check.subarray(1, 3))).toBe(2); // only a partial character: send it whole
  });
});
