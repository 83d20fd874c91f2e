/** The FlowyClient SDK against a real server (real SQLite), the test playing the worker. */
import { describe, expect, it, vi } from "vitest";
import { FlowyClient, isFlowyError, type Job, WaitTimeoutError } from "../../../client/index.ts";
import { fakeWorker } from "../../helpers/fake-worker.ts";
import { startServer } from "../../helpers/server.ts";

const FAST_RETRY = { retries: 1, minDelayMs: 20, maxDelayMs: 50 };
const QUICK_BACKOFF = { initial_s: 0.05, max_s: 0.05, factor: 1 };

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("FlowyClient", () => {
  it("submits, reads, and lists across pages with filters", async () => {
    const { url } = await startServer();
    const flowy = new FlowyClient({ server: url });
    const submitted: Job[] = [];
    for (let i = 0; i < 5; i++) {
      submitted.push(
        await flowy.submit({ name: `job-${i}`, tags: i % 2 ? ["odd"] : [], spec: { command: ["true"] } }),
      );
    }
    expect((await flowy.get(submitted[0]!.id)).history?.[0]).toMatchObject({
      to: "pending",
      event: "submit",
    });

    const all = await collect(flowy.list({ pageSize: 2 }));
    expect(all.map((j) => j.name)).toEqual(["job-4", "job-3", "job-2", "job-1", "job-0"]);
    const odd = await collect(flowy.list({ tag: "odd", pageSize: 1 }));
    expect(odd.map((j) => j.name)).toEqual(["job-3", "job-1"]);
    await flowy.cancel(submitted[4]!.id);
    const canceled = await collect(flowy.list({ state: ["canceled", "failed"] }));
    expect(canceled.map((j) => j.id)).toEqual([submitted[4]!.id]);
  });

  it("makes a retried submit idempotent: the same key gives the same job", async () => {
    const { url } = await startServer();
    const flowy = new FlowyClient({ server: url });
    const first = await flowy.submit({ spec: { command: ["true"] } }, { idempotencyKey: "k-1" });
    const again = await flowy.submit({ spec: { command: ["true"] } }, { idempotencyKey: "k-1" });
    const other = await flowy.submit({ spec: { command: ["true"] } });
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
  });

  it("waits by long-polling, reporting every change, until the job finishes", async () => {
    const { url, api } = await startServer();
    const flowy = new FlowyClient({ server: url });
    const job = await flowy.submit({ spec: { command: ["true"] } });
    const getChanged = vi.spyOn(flowy, "getChanged");
    const seen: string[] = [];
    const waiting = flowy.wait(job.id, {
      onProgress: (j) => seen.push(`${j.state}:${j.tasks?.length ?? 0}`),
    });
    const worker = fakeWorker(api);
    const leased = await worker.claim();
    await worker.heartbeat(leased, [{ name: "a", state: "running" }]);
    // A long-poll answers with the job as it is then; let it see "running" before it moves on.
    await vi.waitFor(() => expect(seen).toContain("running:1"));
    await worker.complete(leased, { exit_code: 0 });
    const done = await waiting;
    expect(done.state).toBe("succeeded");
    expect(seen[0]).toBe("pending:0");
    expect(seen.at(-1)).toBe("succeeded:1");
    // One long-poll per change seen, not a tight loop.
    expect(getChanged.mock.calls.length).toBeLessThanOrEqual(seen.length + 1);
    expect(getChanged.mock.calls[0]![2]).toBe(30);
  });

  it("gives up a wait after its timeout with the job as last seen", async () => {
    const { url } = await startServer();
    const flowy = new FlowyClient({ server: url });
    const job = await flowy.submit({ spec: { command: ["true"] } });
    const error = await flowy.wait(job.id, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).job?.state).toBe("pending");
  });

  it("follows a log across attempts until the job finishes, and reads one attempt", async () => {
    const { url, api } = await startServer();
    const flowy = new FlowyClient({ server: url });
    const job = await flowy.submit({ spec: { command: ["true"] }, backoff: QUICK_BACKOFF });
    const following = collect(flowy.logs(job.id, { follow: true }));
    const worker = fakeWorker(api);
    const first = await worker.claim();
    await worker.log(first, 0, "one\n");
    await worker.log(first, 4, "more\n");
    await worker.fail(first, { message: "flaky" });
    const second = await worker.claim();
    await worker.log(second, 0, "two\n");
    await worker.complete(second);
    const chunks = await following;
    expect(chunks.map((c) => c.attempt)).toEqual(expect.arrayContaining([1, 2]));
    expect(
      chunks
        .filter((c) => c.attempt === 1)
        .map((c) => c.data)
        .join(""),
    ).toBe("one\nmore\n");
    expect(
      chunks
        .filter((c) => c.attempt === 2)
        .map((c) => c.data)
        .join(""),
    ).toBe("two\n");
    expect(await collect(flowy.logs(job.id, { attempt: 1 }))).toEqual([{ attempt: 1, data: "one\nmore\n" }]);
  });

  it("cancels, requeues, deletes, and reads workers and stats", async () => {
    const { url, api } = await startServer();
    const flowy = new FlowyClient({ server: url });
    const job = await flowy.submit({ spec: { command: ["true"] } });
    expect((await flowy.cancel(job.id)).state).toBe("canceled");
    expect((await flowy.requeue(job.id)).state).toBe("pending");
    expect((await flowy.delete(job.id)).state).toBe("deleted");
    const error = await flowy.delete("01nosuchjob0000000000000000").catch((e: unknown) => e);
    expect(isFlowyError(error, "not-found") && error.hint).toBe("List them with: flowy-client list");
    await fakeWorker(api, "w-9").register(["gpu"]);
    expect((await flowy.workers()).map((w) => w.id)).toEqual(["w-9"]);
    expect((await flowy.stats()).states.deleted).toBe(1);
  });
});

describe("FlowyClient.wait across a server restart", () => {
  it("reconnects to the restarted server (same SQLite file and port) and sees the job finish", async () => {
    const first = await startServer();
    const port = Number(new URL(first.url).port);
    const flowy = new FlowyClient({ server: first.url, retry: FAST_RETRY });
    const job = await flowy.submit({ spec: { command: ["true"] } });
    const reconnects: string[] = [];
    const states: string[] = [];
    const waiting = flowy.wait(job.id, {
      pollS: 1,
      onProgress: (j) => states.push(j.state),
      onReconnect: ({ error }) => reconnects.push(error.code),
    });
    await vi.waitFor(() => expect(states).toEqual(["pending"]));
    await first.close();
    // Down long enough that the SDK's own reconnect loop (not just one request's retry) runs.
    await vi.waitFor(() => expect(reconnects.length).toBeGreaterThan(0), { timeout: 10_000 });
    const second = await startServer({ dbPath: first.dbPath, port });
    const worker = fakeWorker(second.api);
    await worker.complete(await worker.claim());
    expect((await waiting).state).toBe("succeeded");
    expect(reconnects[0]).toBe("unreachable");
    // Changes while it was away are not replayed: it sees where the job is now.
    expect([states[0], states.at(-1)]).toEqual(["pending", "succeeded"]);
  });
});
