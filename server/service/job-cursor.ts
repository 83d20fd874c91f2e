/**
 * The opaque `cursor` of a job listing: where the last page ended (sort key and id), encoded so
 * clients pass it back without reading it. A cursor from an older server (a bare job id, when
 * lists were by id only) still works for the default sort.
 */
import { FlowyError } from "../../shared/errors.ts";
import type { SearchCursor } from "../store/store.ts";

export function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id])).toString("base64url");
}

export function decodeCursor(text: string): SearchCursor {
  if (/^[0-9a-z]{26}$/.test(text)) return { key: null, id: text };
  try {
    const [key, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    if ((key === null || typeof key === "number") && typeof id === "string") return { key, id };
  } catch {
    // fall through to the error below
  }
  throw new FlowyError(
    "invalid-request",
    "The cursor is not one this server handed out",
    "Pass next_cursor from the previous page unchanged, or leave cursor out to start from the first page.",
  );
}
