/** Opens the store a --db value names: a postgres:// URL, or a SQLite file path. */
import type { Logger } from "pino";
import { FlowyError } from "../../shared/errors.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

export async function openStore(db: string, _logger: Logger): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    throw new FlowyError(
      "invalid-request",
      "PostgreSQL is not supported by this build yet",
      "Use a SQLite file path for --db.",
    );
  }
  return new SqliteStore({ path: db });
}
