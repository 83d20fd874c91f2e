/**
 * Leader election on a session-level advisory lock: one leader per schema at a time, and the
 * lead moves to another replica when the holder's session dies.
 */
import { expect, it } from "vitest";
import { parsePgUrl } from "../../../server/store/postgres/pg-config.ts";
import { createPgLeadership } from "../../../server/store/postgres/pg-leadership.ts";
import { adminQuery, describePg, freshSchemaUrl } from "../../helpers/pg.ts";

/** Ends the session holding the leader lock of `schema`, as if its replica had died. */
const KILL_LEADER_SESSION = `
  SELECT pg_terminate_backend(pid) AS ok FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND objsubid = 1
    AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('flowy.leader.' || $1::text, 0)`;

describePg("leader election among replicas", () => {
  it("has one leader per schema and moves the lead when the leader's session dies", async () => {
    const { url, schema } = freshSchemaUrl("leader");
    const target = parsePgUrl(url);
    const one = createPgLeadership(target);
    const two = createPgLeadership(target);
    const elsewhere = createPgLeadership(parsePgUrl(freshSchemaUrl("leader").url));
    try {
      expect(await one.isLeader()).toBe(true);
      expect(await two.isLeader()).toBe(false);
      expect(await one.isLeader()).toBe(true);
      expect(await elsewhere.isLeader()).toBe(true);

      expect(await adminQuery(KILL_LEADER_SESSION, [schema])).toEqual([{ ok: true }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await two.isLeader()).toBe(true);
      expect(await one.isLeader()).toBe(false);

      await two.close();
      expect(await one.isLeader()).toBe(true);
    } finally {
      await Promise.all([one.close(), two.close(), elsewhere.close()]);
    }
  });
});
