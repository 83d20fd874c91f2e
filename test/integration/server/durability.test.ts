import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { get, post } from "../../helpers/http.ts";
import { makeJobSpec } from "../../helpers/jobs.ts";
import { exited, spawnServerProcess } from "../../helpers/server-process.ts";
import { tmpDir } from "../../helpers/tmp.ts";

describe("durability of acknowledged writes", () => {
  it("keeps every acknowledged job after the server is SIGKILLed mid-stream", async () => {
    const db = join(tmpDir(), "flowy.db");
    const first = await spawnServerProcess(["--db", db]);
    const acknowledged: string[] = [];
    let stop = false;
    // Four clients submitting as fast as they can; the kill lands while submits are in flight.
    const clients = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const res = await post(`${first.api}/jobs`, makeJobSpec()).catch(() => null);
        if (!res) return;
        if (res.status === 201) acknowledged.push(res.body.id);
      }
    });
    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 5));
    first.child.kill("SIGKILL");
    stop = true;
    await Promise.all(clients);
    await exited(first.child);

    const second = await spawnServerProcess(["--db", db]);
    const stats = (await get(`${second.api}/stats`)).body;
    expect(stats.states.pending).toBeGreaterThanOrEqual(acknowledged.length);
    for (const id of acknowledged) {
      const res = await get(`${second.api}/jobs/${id}`);
      expect([id, res.status]).toEqual([id, 200]);
    }
  });

  it("stops cleanly on SIGTERM, finishing the request in flight", async () => {
    const db = join(tmpDir(), "flowy.db");
    const server = await spawnServerProcess(["--db", db]);
    const longPoll = post(`${server.api}/jobs/claim`, { worker_id: "w", capacity: 1, wait_s: 30 });
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill("SIGTERM");
    const answer = await longPoll;
    expect(answer.status).toBe(200);
    expect(answer.body.jobs).toEqual([]);
    expect(await exited(server.child)).toBe(0);
  });
});
