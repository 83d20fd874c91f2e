/**
 * `flowy_db_pool_connections` on a real PostgreSQL replica: an idle one shows no waiting clients
 * (the scrape's own queries used to show as 2, so an alert on `waiting > 0` always fired).
 */
import { expect, it } from "vitest";
import { PostgresStore } from "../../../server/store/postgres/postgres-store.ts";
import { get } from "../../helpers/http.ts";
import { describePg, freshSchemaUrl } from "../../helpers/pg.ts";
import { startServer } from "../../helpers/server.ts";

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describePg("GET /metrics on PostgreSQL", () => {
  it("shows no waiting pool clients on an idle replica", async () => {
    const store = await PostgresStore.open({ url: freshSchemaUrl("metrics").url, poolSize: 2 });
    const { url } = await startServer({ store });
    for (let scrape = 0; scrape < 5; scrape++) {
      const text = (await get(`${url}/metrics`)).body as string;
      expect(sample(text, 'flowy_db_pool_connections{state="waiting"}')).toBe(0);
      expect(sample(text, 'flowy_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(0);
    }
  });
});
