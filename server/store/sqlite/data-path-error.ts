/**
 * The SQLite file cannot be made or opened where --db says (a normal user and /var/lib/flowy, a
 * read-only mount, a file where a directory should be): say so and what to do, instead of a bare
 * `EACCES … mkdir`. Anything else is not about the path and is left as it is.
 */
import { dirname } from "node:path";
import { FlowyError } from "../../../shared/errors.ts";
import { defaultDbPath } from "../../../shared/platform-paths.ts";

const REASONS: Record<string, string> = {
  EACCES: "this user may not write there",
  EPERM: "this user may not write there",
  EROFS: "the file system there is read-only",
  ENOENT: "a directory on the way does not exist and cannot be made",
  ENOTDIR: "a part of the path is a file, not a directory",
  EEXIST: "a part of the path is a file, not a directory",
};
/** SQLite's own codes for the same: SQLITE_CANTOPEN, SQLITE_READONLY. */
const SQLITE_PATH_ERRORS = new Set([14, 8]);

export function dataPathError(path: string, error: unknown): FlowyError | undefined {
  const e = error as { code?: string; errcode?: number; message?: string } | null;
  const reason =
    (e?.code && REASONS[e.code]) ||
    (e?.code === "ERR_SQLITE_ERROR" && SQLITE_PATH_ERRORS.has(e.errcode ?? -1)
      ? "SQLite cannot open or write the file there"
      : undefined);
  if (!reason) return undefined;
  return new FlowyError(
    "invalid-request",
    `Cannot keep the database at ${path}: ${reason} (${e?.message ?? e?.code})`,
    `Give --db (or FLOWY_DB) a file this user can write, or leave --db out for ${defaultDbPath()}. ` +
      "For a directory under /var/lib, run flowy-server as a systemd service: the unit in " +
      "docs/systemd/flowy-server.service has StateDirectory=flowy-server, so systemd makes " +
      "/var/lib/flowy-server for it; or create the directory for this user first " +
      `(sudo install -d -o "$USER" ${dirname(path)}).`,
    { db: path },
  );
}
