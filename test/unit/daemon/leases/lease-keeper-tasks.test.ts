/** Workflow task states in heartbeats: carried by every beat, and sent early when they change. */
import { describe, expect, it } from "vitest";
import { LeaseKeeper } from "../../../../daemon/leases/lease-keeper.ts";
import type { ReportItem, Task } from "../../../../shared/protocol.ts";

function setup() {
  let now = 1_000_000;
  const sent: ReportItem[] = [];
  const keeper = new LeaseKeeper({
    now: () => now,
    send: async (item) => {
      sent.push(item);
      return { job_id: item.job_id, ok: true, lease_expires_at: new Date(now + 10_000).toISOString() };
    },
  });
  const handlers = { onCancel: () => {}, onLost: () => {} };
  const advance = async (ms: number) => {
    now += ms;
    keeper.tick();
    await new Promise((r) => setImmediate(r));
  };
  return { keeper, sent, handlers, advance, now: () => now };
}

describe("LeaseKeeper with workflow tasks", () => {
  it("puts the current task states in each heartbeat", async () => {
    const t = setup();
    let tasks: Task[] = [{ name: "a", state: "running" }];
    t.keeper.track("j1", "tok", 10, t.now(), t.handlers);
    t.keeper.attachTasks("j1", () => tasks);
    await t.advance(5_000);
    tasks = [{ name: "a", state: "succeeded" }];
    await t.advance(5_000);
    expect(t.sent.map((i) => i.tasks)).toEqual([
      [{ name: "a", state: "running" }],
      [{ name: "a", state: "succeeded" }],
    ]);
  });

  it("beats on the next tick after a change instead of waiting for half the lease", async () => {
    const t = setup();
    t.keeper.track("j1", "tok", 60, t.now(), t.handlers);
    t.keeper.attachTasks("j1", () => [{ name: "a", state: "running" }]);
    await t.advance(1_000);
    expect(t.sent).toHaveLength(0);
    t.keeper.beatSoon("j1");
    await t.advance(50);
    expect(t.sent).toHaveLength(1);
    // The next regular beat is half a lease after this one, not earlier.
    await t.advance(29_000);
    expect(t.sent).toHaveLength(1);
    t.keeper.beatSoon("unknown-job");
  });

  it("does not lose a change that came while a heartbeat was on its way", async () => {
    let now = 1_000_000;
    const sent: ReportItem[] = [];
    let answer: (() => void) | undefined;
    const keeper = new LeaseKeeper({
      now: () => now,
      send: (item) => {
        sent.push(item);
        return new Promise((resolve) => {
          answer = () => resolve({ job_id: item.job_id, ok: true });
        });
      },
    });
    keeper.track("j1", "tok", 60, now, { onCancel: () => {}, onLost: () => {} });
    keeper.beatSoon("j1");
    keeper.tick();
    expect(sent).toHaveLength(1);
    keeper.beatSoon("j1");
    answer!();
    await new Promise((r) => setImmediate(r));
    now += 50;
    keeper.tick();
    expect(sent).toHaveLength(2);
  });
});
