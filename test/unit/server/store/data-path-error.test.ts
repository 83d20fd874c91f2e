import { describe, expect, it } from "vitest";
import { dataPathError } from "../../../../server/store/sqlite/data-path-error.ts";

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("dataPathError", () => {
  it.each([
    ["EACCES", "this user may not write there"],
    ["EROFS", "the file system there is read-only"],
    ["ENOENT", "a directory on the way does not exist"],
    ["ENOTDIR", "a part of the path is a file"],
  ])("turns %s into what went wrong and what to do", (code, reason) => {
    const error = dataPathError("/var/lib/flowy/flowy.db", errno(code, `${code}: mkdir '/var/lib/flowy'`));
    expect(error?.message).toContain(`Cannot keep the database at /var/lib/flowy/flowy.db: ${reason}`);
    expect(error?.message).toContain(`(${code}: mkdir '/var/lib/flowy')`);
    expect(error?.hint).toContain("Give --db (or FLOWY_DB) a file this user can write");
    expect(error?.hint).toContain("StateDirectory=flowy-server");
    expect(error?.hint).toContain('sudo install -d -o "$USER" /var/lib/flowy');
  });

  it("knows SQLite's cannot-open, and leaves other errors alone", () => {
    const cantOpen = Object.assign(new Error("unable to open database file"), {
      code: "ERR_SQLITE_ERROR",
      errcode: 14,
    });
    expect(dataPathError("/x/f.db", cantOpen)?.message).toContain(
      "SQLite cannot open or write the file there",
    );
    const corrupt = Object.assign(new Error("file is not a database"), {
      code: "ERR_SQLITE_ERROR",
      errcode: 26,
    });
    expect(dataPathError("/x/f.db", corrupt)).toBeUndefined();
    expect(dataPathError("/x/f.db", new Error("boom"))).toBeUndefined();
  });
});
