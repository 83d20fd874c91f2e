/**
 * Before each system is measured: the disk work the previous one left behind (PostgreSQL's dirty
 * buffers from a dropped database, the page cache of a deleted SQLite file) is done now, not
 * during the next system's fsyncs. Every system, flowy or peer, starts from the same quiet disk.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { adminQuery, postgresAvailable } from "./postgres.ts";

const run = promisify(execFile);

export async function settleDisk(): Promise<void> {
  if (await postgresAvailable()) await adminQuery("CHECKPOINT").catch(() => undefined);
  await run("sync");
}
