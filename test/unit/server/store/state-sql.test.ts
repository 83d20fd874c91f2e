import { describe, expect, it } from "vitest";
import { ENDED, LEASED, TERMINAL } from "../../../../server/store/state-sql.ts";
import { PG_MIGRATIONS } from "../../../../server/store/postgres/migrations.ts";
import { SQLITE_MIGRATIONS } from "../../../../server/store/sqlite/migrations.ts";
import type { JobRecord } from "../../../../server/store/store.ts";
import { illegalSqlTransition } from "../../../helpers/sql-transitions.ts";

describe("SQL state lists", () => {
  it("spell each state set as the state module has it", () => {
    expect(LEASED).toBe("('running', 'cancelling')");
    expect(TERMINAL).toBe("('succeeded', 'failed', 'timed_out', 'canceled')");
    expect(ENDED).toBe("('succeeded', 'failed', 'timed_out', 'canceled', 'deleted')");
  });

  it("match the partial indexes' predicates word for word, so queries stay on them", () => {
    const sql = [...SQLITE_MIGRATIONS, ...PG_MIGRATIONS].map((m) => m.sql).join("\n");
    const lists = [...sql.matchAll(/state IN (\('[^)]*\))/g)].map((m) => m[1]);
    expect(lists.length).toBeGreaterThan(0);
    for (const list of lists) expect([LEASED, TERMINAL, ENDED]).toContain(list);
  });
});

describe("the check of the transitions a store's SQL performs", () => {
  const job = { id: "j", state: "running" } as JobRecord;
  it("accepts a transition of the table and refuses one that is not", () => {
    expect(illegalSqlTransition(job, { from: "pending", event: "claim", to: "running" })).toBeUndefined();
    expect(illegalSqlTransition(job, { from: "scheduled", event: "claim", to: "running" })).toMatch(
      /scheduled --claim--> running is not in shared\/states.ts/,
    );
    expect(
      illegalSqlTransition({ ...job, state: "pending" }, { from: "pending", event: "claim", to: "running" }),
    ).toMatch(/is pending but its history says running/);
  });
});
