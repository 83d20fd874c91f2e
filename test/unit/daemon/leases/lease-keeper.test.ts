/** The lease keeper on a hand-driven clock: no sleeping, every decision checked. */
import { describe, expect, it } from "vitest";
import { killMargin, LeaseKeeper } from "../../../../daemon/leases/lease-keeper.ts";
import type { ReportItem, ReportResult } from "../../../../shared/protocol.ts";

function setup() {
  let now = 1_000_000;
  const sent: ReportItem[] = [];
  const answers: Array<{ resolve: (r: ReportResult) => void; reject: (e: unknown) => void }> = [];
  const keeper = new LeaseKeeper({
    now: () => now,
    send: (item) => {
      sent.push(item);
      return new Promise((resolve, reject) => answers.push({ resolve, reject }));
    },
  });
  const calls: string[] = [];
  const handlers = {
    onCancel: () => calls.push("cancel"),
    onLost: (reason: string) => calls.push(`lost:${reason}`),
  };
  const flush = () => new Promise((r) => setImmediate(r));
  return {
    keeper,
    sent,
    answers,
    calls,
    handlers,
    flush,
    advance: (ms: number) => {
      now += ms;
      keeper.tick();
    },
    now: () => now,
  };
}

describe("LeaseKeeper", () => {
  it("heartbeats at half the lease and counts the renewed lease from when it was sent", async () => {
    const t = setup();
    t.keeper.track("j1", "tok", 10, t.now(), t.handlers);
    t.advance(4_999);
    expect(t.sent).toHaveLength(0);
    t.advance(1);
    expect(t.sent).toEqual([{ kind: "heartbeat", job_id: "j1", lease_token: "tok" }]);
    const sentAt = t.now();
    t.advance(300); // the answer takes a while: the lease still counts from the send
    t.answers[0]!.resolve({ job_id: "j1", ok: true, cancel_requested: false });
    await t.flush();
    expect(t.keeper.expiresAt("j1")).toBe(sentAt + 10_000);
    t.advance(4_700);
    expect(t.sent).toHaveLength(2);
    expect(t.calls).toEqual([]);
  });

  it("retries a failed heartbeat with backoff and stops the job before the lease can run out", async () => {
    const t = setup();
    t.keeper.track("j1", "tok", 2, t.now(), t.handlers);
    const expiry = t.now() + 2_000;
    let beats = 0;
    while (t.calls.length === 0) {
      t.advance(10);
      while (t.answers.length > beats) t.answers[beats++]!.reject(new Error("ECONNREFUSED"));
      await t.flush();
    }
    expect(beats).toBeGreaterThanOrEqual(3); // retried several times before giving up
    expect(t.calls).toEqual(["lost:unrenewable"]);
    expect(t.now()).toBeLessThanOrEqual(expiry - killMargin(2_000));
    expect(t.keeper.size).toBe(0);
  });

  it("stops the job when the server says the lease is lost, and once only", async () => {
    const t = setup();
    t.keeper.track("j1", "tok", 2, t.now(), t.handlers);
    t.advance(1_000);
    t.answers[0]!.resolve({
      job_id: "j1",
      ok: false,
      error: { type: "x", title: "x", status: 409, detail: "another lease holds it", code: "lease-lost" },
    });
    await t.flush();
    t.advance(5_000);
    expect(t.calls).toEqual(["lost:lease-lost"]);
  });

  it("treats a transient item error as a failed heartbeat, not a lost lease", async () => {
    const t = setup();
    t.keeper.track("j1", "tok", 10, t.now(), t.handlers);
    t.advance(5_000);
    t.answers[0]!.resolve({
      job_id: "j1",
      ok: false,
      error: { type: "x", title: "x", status: 500, detail: "db busy", code: "internal" },
    });
    await t.flush();
    expect(t.calls).toEqual([]);
    t.advance(1_000);
    expect(t.sent).toHaveLength(2);
  });

  it("passes cancel_requested on once and keeps the lease while the job stops", async () => {
    const t = setup();
    t.keeper.track("j1", "tok", 2, t.now(), t.handlers);
    for (let i = 0; i < 3; i++) {
      t.advance(1_000);
      t.answers[i]!.resolve({ job_id: "j1", ok: true, cancel_requested: true });
      await t.flush();
    }
    expect(t.calls).toEqual(["cancel"]);
    expect(t.keeper.size).toBe(1);
  });

  it("forgets a lease once untracked, even with a heartbeat in flight", async () => {
    const t = setup();
    t.keeper.track("j1", "tok", 2, t.now(), t.handlers);
    t.advance(1_000);
    t.keeper.untrack("j1");
    t.answers[0]!.reject(new Error("late"));
    await t.flush();
    t.advance(10_000);
    expect(t.calls).toEqual([]);
    expect(t.sent).toHaveLength(1);
  });
});
